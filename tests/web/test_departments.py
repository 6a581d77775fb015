"""The department screens: the tree for everybody, changes by administrators through the services."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from django.test import Client

from tests.factories import People
from tests.web.helpers import error_codes
from voronka.accounts.models import Department, User
from voronka.accounts.services import do_create_department, do_set_department_members


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _company(people: People) -> Department:
    return Department.objects.get(name="Компания")


def test_admin_creates_a_department_with_parent_head_and_members(people: People) -> None:
    company = _company(people)
    response = _logged_in(people.admin).post(
        "/departments/new/",
        {
            "name": "Support",
            "parent": str(company.pk),
            "head": str(people.boris.pk),
            "members": [str(people.anna.pk)],
        },
    )
    assert response.status_code == 302
    support = Department.objects.get(name="Support")
    assert support.parent_id == company.pk
    assert support.head_id == people.boris.pk
    assert support.path == f"{company.path}{support.pk:06d}/"
    # The head is always a member as well.
    assert set(support.members.values_list("pk", flat=True)) == {people.anna.pk, people.boris.pk}


def test_department_problems_are_shown_next_to_the_field(people: People) -> None:
    response = _logged_in(people.admin).post("/departments/new/", {"name": "   ", "parent": "", "head": ""})
    assert response.status_code == 200
    assert error_codes(response.context["form"], "name") == ["required"]
    assert 'id="id_name_error"' in response.content.decode()
    assert not Department.objects.filter(name="").exists()


def test_a_tampered_select_value_is_a_field_error_not_a_500(people: People) -> None:
    response = _logged_in(people.admin).post("/departments/new/", {"name": "X", "parent": "abc", "head": "999999"})
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert not Department.objects.filter(name="X").exists()


def test_a_refused_member_list_leaves_no_half_created_department(people: People) -> None:
    response = _logged_in(people.admin).post("/departments/new/", {"name": "Ghosts", "members": ["999999"]})
    assert response.status_code == 200
    assert "members" in response.context["form"].errors
    assert not Department.objects.filter(name="Ghosts").exists()


def test_moving_a_department_updates_the_paths_of_its_subtree(people: People) -> None:
    company = _company(people)
    sales1 = Department.objects.get(name="Продажи 1")
    sales2 = Department.objects.get(name="Продажи 2")
    team = do_create_department(people.admin, {"name": "Team A", "parent": sales1.pk})
    squad = do_create_department(people.admin, {"name": "Squad", "parent": team.pk})

    response = _logged_in(people.admin).post(
        f"/departments/{sales1.pk}/",
        {
            "name": "Продажи 1",
            "parent": str(sales2.pk),
            "head": str(people.head.pk),
            "members": [str(people.head.pk), str(people.anna.pk)],
        },
    )
    assert response.status_code == 302
    for department in (sales1, team, squad):
        department.refresh_from_db()
    assert sales1.path == f"{company.pk:06d}/{sales2.pk:06d}/{sales1.pk:06d}/"
    assert team.path == f"{sales1.path}{team.pk:06d}/"
    assert squad.path == f"{team.path}{squad.pk:06d}/"


def test_a_department_cannot_be_moved_under_its_own_child(people: People) -> None:
    company = _company(people)
    sales1 = Department.objects.get(name="Продажи 1")
    response = _logged_in(people.admin).post(
        f"/departments/{company.pk}/", {"name": "Компания", "parent": str(sales1.pk), "head": ""}
    )
    assert response.status_code == 200
    assert error_codes(response.context["form"], "parent") == ["cycle"]
    company.refresh_from_db()
    assert company.parent_id is None


def test_delete_is_refused_while_the_department_has_children(people: People) -> None:
    company = _company(people)
    admin = _logged_in(people.admin)
    confirm = admin.get(f"/departments/{company.pk}/delete/")
    assert confirm.status_code == 200
    assert "Продажи 1" in confirm.content.decode()

    response = admin.post(f"/departments/{company.pk}/delete/")
    assert response.status_code == 200
    assert error_codes(response.context["form"], None) == ["has_children"]
    assert Department.objects.filter(pk=company.pk).exists()


def test_an_empty_department_is_deleted_after_confirming(people: People) -> None:
    sales2 = Department.objects.get(name="Продажи 2")
    admin = _logged_in(people.admin)
    assert admin.get(f"/departments/{sales2.pk}/delete/").status_code == 200
    assert Department.objects.filter(pk=sales2.pk).exists()  # the GET only asks
    assert admin.post(f"/departments/{sales2.pk}/delete/").status_code == 302
    assert not Department.objects.filter(pk=sales2.pk).exists()
    assert User.objects.filter(pk=people.boris.pk).exists()


def test_the_tree_is_indented_by_depth_and_readable_by_a_manager(people: People) -> None:
    response = _logged_in(people.anna).get("/departments/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'style="--depth: 0"' in body
    assert 'style="--depth: 1"' in body
    assert body.index("Компания") < body.index("Продажи 1")
    assert people.head.display_name in body
    assert "/departments/new/" not in body  # no links to change anything


def test_the_edit_form_offers_no_parent_inside_the_own_subtree(people: People) -> None:
    company = _company(people)
    sales1 = Department.objects.get(name="Продажи 1")
    response = _logged_in(people.admin).get(f"/departments/{company.pk}/")
    assert response.status_code == 200
    parent_values = [value for value, _label in response.context["form"].fields["parent"].widget.choices]
    assert str(sales1.pk) not in parent_values
    assert str(company.pk) not in parent_values


def test_the_tree_query_count_does_not_grow_with_the_departments(
    people: People, django_assert_max_num_queries: Callable[[int], AbstractContextManager[None]]
) -> None:
    company = _company(people)
    for number in range(15):
        department = do_create_department(people.admin, {"name": f"Branch {number}", "parent": company.pk})
        do_set_department_members(people.admin, department, [people.anna.pk, people.boris.pk])
    client = _logged_in(people.anna)
    # Session, user, the departments with their heads, and one query for all the members.
    with django_assert_max_num_queries(5):
        assert client.get("/departments/").status_code == 200
