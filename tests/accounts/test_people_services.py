"""Users, departments and tokens through the services and the API."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import People, api_client
from voronka.accounts.models import Department, DepartmentMembership
from voronka.accounts.services import (
    do_create_department,
    do_create_token,
    do_create_user,
    do_revoke_token,
    do_set_department_members,
    do_update_department,
    do_update_user,
    user_for_token,
)
from voronka.common.errors import AccessDenied, ValidationFailed


def test_subtree_paths_follow_a_moved_department(people: People) -> None:
    root = do_create_department(people.admin, {"name": "Root"})
    east = do_create_department(people.admin, {"name": "East", "parent": root.pk})
    east_a = do_create_department(people.admin, {"name": "East A", "parent": east.pk})
    west = do_create_department(people.admin, {"name": "West", "parent": root.pk})
    do_update_department(people.admin, east, {"parent": west.pk})
    east_a.refresh_from_db()
    assert east_a.path == f"{west.path}{east.pk:06d}/{east_a.pk:06d}/"
    under_west = set(Department.objects.filter(path__startswith=west.path).values_list("name", flat=True))
    assert under_west == {"West", "East", "East A"}


def test_department_cannot_move_under_its_own_child(people: People) -> None:
    parent = do_create_department(people.admin, {"name": "Parent"})
    child = do_create_department(people.admin, {"name": "Child", "parent": parent.pk})
    with pytest.raises(ValidationFailed) as refused:
        do_update_department(people.admin, parent, {"parent": child.pk})
    assert refused.value.problems[0].field == "parent"
    assert refused.value.problems[0].code == "cycle"


def test_head_is_a_member_and_a_user_may_be_in_several_departments(people: People) -> None:
    one = do_create_department(people.admin, {"name": "One", "head": people.head.pk})
    two = do_create_department(people.admin, {"name": "Two"})
    do_set_department_members(people.admin, one, [people.anna.pk])
    do_set_department_members(people.admin, two, [people.anna.pk])
    assert set(DepartmentMembership.objects.filter(department=one).values_list("user_id", flat=True)) == {
        people.head.pk,
        people.anna.pk,
    }
    assert DepartmentMembership.objects.filter(user=people.anna, department__in=[one, two]).count() == 2


def test_only_administrators_manage_people(people: People) -> None:
    with pytest.raises(AccessDenied):
        do_create_user(people.anna, {"username": "mallory", "password": "correct horse battery"})
    with pytest.raises(AccessDenied):
        do_update_user(people.anna, people.boris, {"is_administrator": True})
    people.boris.refresh_from_db()
    assert not people.boris.is_administrator


def test_user_values_are_validated_all_at_once(people: People) -> None:
    with pytest.raises(ValidationFailed) as refused:
        do_create_user(
            people.admin,
            {"username": "bad name!", "language": "de", "time_zone": "Mars/Base", "email": "nope", "colour": "red"},
        )
    fields = {p.field for p in refused.value.problems}
    assert fields == {"username", "language", "time_zone", "email", "colour"}


def test_blocked_user_token_stops_working(people: People) -> None:
    raw = do_create_token(None, people.boris).raw
    assert user_for_token(raw) == people.boris
    do_update_user(people.admin, people.boris, {"is_active": False})
    assert user_for_token(raw) is None
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_revoked_token_stops_working(people: People) -> None:
    issued = do_create_token(None, people.anna)
    do_revoke_token(people.anna, issued.token)
    assert user_for_token(issued.raw) is None


def test_tokens_are_stored_hashed(people: People) -> None:
    issued = do_create_token(None, people.anna)
    issued.token.refresh_from_db()
    assert issued.raw not in issued.token.token_hash
    assert len(issued.token.token_hash) == 64


def test_admin_cannot_block_themselves(people: People) -> None:
    with pytest.raises(ValidationFailed):
        do_update_user(people.admin, people.admin, {"is_active": False})


def test_api_manages_departments(people: People) -> None:
    client = api_client(people.admin)
    created = client.post(
        "/api/v1/departments",
        {"name": "Sales 3", "head": people.head.pk, "members": [people.anna.pk]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body["members"]) == {people.head.pk, people.anna.pk}
    refused = api_client(people.anna).patch(
        f"/api/v1/departments/{body['id']}", {"name": "Mine now"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert Department.objects.get(pk=body["id"]).name == "Sales 3"


def test_api_password_change(people: People) -> None:
    client = api_client(people.anna)
    wrong = client.post(
        "/api/v1/me/password",
        {"old_password": "nope", "new_password": "a much longer secret"},
        content_type="application/json",
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "old_password"
    ok = client.post(
        "/api/v1/me/password",
        {"old_password": "demo", "new_password": "a much longer secret"},
        content_type="application/json",
    )
    assert ok.status_code == 204
    people.anna.refresh_from_db()
    assert people.anna.check_password("a much longer secret")
