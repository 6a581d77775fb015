"""The people screens: administrators manage users, everybody else reads the list and gets 403 elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.test import Client

from tests.factories import People
from tests.web.helpers import error_codes
from voronka.accounts.models import User
from voronka.accounts.services import do_create_user, do_set_department_members, do_update_own_profile
from voronka.common.errors import ValidationFailed

NEW_PASSWORD = "Kettle-Orbit-42"


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _user_form(**overrides: str) -> dict[str, str]:
    values = {
        "username": "vera",
        "first_name": "Vera",
        "last_name": "Orlova",
        "email": "vera@example.com",
        "language": "en",
        "time_zone": "Asia/Novosibirsk",
        "password": NEW_PASSWORD,
    }
    return values | overrides


def test_admin_creates_a_user_who_can_then_log_in(people: People) -> None:
    response = _logged_in(people.admin).post("/people/new/", _user_form())
    assert response.status_code == 302
    vera = User.objects.get(username="vera")
    assert (vera.first_name, vera.language, vera.time_zone) == ("Vera", "en", "Asia/Novosibirsk")
    assert vera.is_active
    assert not vera.is_administrator
    assert Client().post("/login/", {"username": "vera", "password": NEW_PASSWORD}).status_code == 302


def test_create_user_shows_problems_next_to_their_fields(people: People) -> None:
    response = _logged_in(people.admin).post(
        "/people/new/", _user_form(username="anna", email="not-an-address", time_zone="Nowhere/Else")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert error_codes(form, "username") == ["taken"]
    assert error_codes(form, "email") == ["invalid"]
    assert error_codes(form, "time_zone") == ["invalid_choice"]
    body = response.content.decode()
    assert 'id="id_email_error"' in body
    assert 'value="not-an-address"' in body  # what was typed stays in the form
    assert not User.objects.filter(username="vera").exists()


def test_admin_edits_a_user(people: People) -> None:
    form = _user_form(username="anna", first_name="Anya", last_name="Smirnova", language="en")
    form.pop("password")
    form["is_administrator"] = "on"
    response = _logged_in(people.admin).post(f"/people/{people.anna.pk}/", form)
    assert response.status_code == 302
    people.anna.refresh_from_db()
    assert (people.anna.first_name, people.anna.language, people.anna.is_administrator) == ("Anya", "en", True)


def test_edit_form_shows_the_stored_values(people: People) -> None:
    response = _logged_in(people.admin).get(f"/people/{people.anna.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="anna"' in body
    assert '<option value="Europe/Moscow" selected>' in body


def test_admin_blocks_after_confirming_and_unblocks(people: People) -> None:
    admin = _logged_in(people.admin)
    confirm = admin.get(f"/people/{people.anna.pk}/block/")
    assert confirm.status_code == 200
    people.anna.refresh_from_db()
    assert people.anna.is_active  # the GET only asks

    assert admin.post(f"/people/{people.anna.pk}/block/").status_code == 302
    people.anna.refresh_from_db()
    assert not people.anna.is_active
    assert Client().post("/login/", {"username": "anna", "password": "demo"}).status_code == 200

    assert admin.post(f"/people/{people.anna.pk}/unblock/").status_code == 302
    people.anna.refresh_from_db()
    assert people.anna.is_active


def test_admin_cannot_block_themselves(people: People) -> None:
    response = _logged_in(people.admin).post(f"/people/{people.admin.pk}/block/")
    assert response.status_code == 200
    assert error_codes(response.context["form"], None) == ["cannot_block_self"]
    people.admin.refresh_from_db()
    assert people.admin.is_active


def test_admin_sets_a_password(people: People) -> None:
    admin = _logged_in(people.admin)
    url = f"/people/{people.boris.pk}/password/"
    mismatch = admin.post(url, {"password": NEW_PASSWORD, "password_again": "other"})
    assert "password_again" in mismatch.context["form"].errors
    weak = admin.post(url, {"password": "12345678", "password_again": "12345678"})
    assert "password" in weak.context["form"].errors

    assert admin.post(url, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}).status_code == 302
    people.boris.refresh_from_db()
    assert people.boris.check_password(NEW_PASSWORD)


def test_unknown_user_is_a_404(people: People) -> None:
    assert _logged_in(people.admin).get("/people/999999/").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/people/new/"),
        ("post", "/people/new/"),
        ("get", "/people/{anna}/"),
        ("post", "/people/{anna}/"),
        ("post", "/people/{boris}/block/"),
        ("post", "/people/{boris}/unblock/"),
        ("post", "/people/{boris}/password/"),
        ("get", "/departments/new/"),
        ("post", "/departments/new/"),
        ("post", "/departments/{sales}/"),
        ("post", "/departments/{sales}/delete/"),
    ],
)
def test_a_manager_gets_403_on_every_admin_screen_and_changes_nothing(people: People, method: str, path: str) -> None:
    sales = people.anna.departments.get()
    url = path.format(anna=people.anna.pk, boris=people.boris.pk, sales=sales.pk)
    data = _user_form(username="anna", is_administrator="on") | {"name": "Taken over", "members": [str(people.anna.pk)]}
    client = _logged_in(people.anna)
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 403

    people.anna.refresh_from_db()
    people.boris.refresh_from_db()
    sales.refresh_from_db()
    assert not people.anna.is_administrator
    assert people.boris.is_active
    assert people.boris.check_password("demo")
    assert sales.name != "Taken over"
    assert not User.objects.filter(username="vera").exists()


def test_a_manager_reads_the_people_list_without_edit_links(people: People) -> None:
    response = _logged_in(people.anna).get("/people/")
    assert response.status_code == 200
    body = response.content.decode()
    assert people.boris.display_name in body
    assert "/people/new/" not in body
    assert f"/people/{people.boris.pk}/" not in body


def test_people_list_searches_by_name(people: People) -> None:
    response = _logged_in(people.admin).get("/people/", {"q": "Борис Петров"})
    assert [u.pk for u in response.context["users"]] == [people.boris.pk]


def test_people_list_pages_by_id(people: People) -> None:
    for number in range(55):
        do_create_user(people.admin, {"username": f"extra{number:02d}", "last_name": "Extra"})
    client = _logged_in(people.admin)
    first = client.get("/people/")
    first_ids = [u.pk for u in first.context["users"]]
    assert len(first_ids) == 50
    next_after = first.context["next_after"]
    assert next_after == first_ids[-1]
    assert f"?after={next_after}" in first.content.decode()

    second = client.get("/people/", {"after": next_after})
    second_ids = [u.pk for u in second.context["users"]]
    assert len(second_ids) == User.objects.count() - 50
    assert min(second_ids) > max(first_ids)
    assert second.context["next_after"] is None


def test_own_profile_service_refuses_other_fields(people: People) -> None:
    with pytest.raises(ValidationFailed) as refused:
        do_update_own_profile(people.anna, {"language": "en", "is_administrator": True})
    assert [p.code for p in refused.value.problems] == ["not_allowed"]
    people.anna.refresh_from_db()
    assert people.anna.language == "ru"


def test_people_list_query_count_does_not_grow_with_the_page(
    people: People, django_assert_max_num_queries: Callable[[int], AbstractContextManager[None]]
) -> None:
    sales = people.anna.departments.get()
    extra = [do_create_user(people.admin, {"username": f"seller{n}"}).pk for n in range(20)]
    do_set_department_members(people.admin, sales, [people.head.pk, people.anna.pk, *extra])
    client = _logged_in(people.admin)
    # Session, user, the page of users and one query for all their departments.
    with django_assert_max_num_queries(5):
        assert client.get("/people/").status_code == 200


def test_an_unlisted_stored_time_zone_survives_saving_the_form(people: People) -> None:
    do_update_own_profile(people.boris, {"time_zone": "W-SU"})  # a legacy alias the list leaves out
    body = _logged_in(people.admin).get(f"/people/{people.boris.pk}/").content.decode()
    assert '<option value="W-SU" selected>' in body
