"""People and structure: users, departments, the current user, API tokens."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from voronka.accounts import services
from voronka.accounts.models import ApiToken, Department, DepartmentMembership, User
from voronka.api.base import OBJECT_BODY, acting_user, json_body
from voronka.common.errors import NotFound, Problem, ValidationFailed

router = Router(tags=["directory"])
PAGE = 200


def user_to_dict(user: User, department_ids: list[int] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "time_zone": user.time_zone,
        "is_active": user.is_active,
        "is_administrator": user.is_administrator,
    }
    if department_ids is not None:
        data["departments"] = department_ids
    return data


def department_to_dict(department: Department, member_ids: list[int]) -> dict[str, Any]:
    return {
        "id": department.pk,
        "name": department.name,
        "parent": department.parent_id,
        "head": department.head_id,
        "path": department.path,
        "members": member_ids,
    }


def _memberships(user_ids: list[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {uid: [] for uid in user_ids}
    for user_id, department_id in DepartmentMembership.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "department_id"
    ):
        result[user_id].append(department_id)
    return result


def _after(after: int | None, limit: int) -> None:
    if not 1 <= limit <= PAGE:
        raise ValidationFailed(
            Problem("limit", "out_of_range", _("Page size must be from 1 to %(max)d.") % {"max": PAGE})
        )


@router.get("/users", summary="Users, by id, in pages")
def list_users(request: HttpRequest, after: int = 0, limit: int = 100, q: str | None = None) -> dict[str, Any]:
    _after(after, limit)
    users = User.objects.filter(pk__gt=after).order_by("pk")
    if q:
        term = q[:100]
        users = users.filter(Q(username__icontains=term) | Q(first_name__icontains=term) | Q(last_name__icontains=term))
    page = list(users[: limit + 1])
    rows = page[:limit]
    memberships = _memberships([u.pk for u in rows])
    return {
        "items": [user_to_dict(u, memberships[u.pk]) for u in rows],
        "next_cursor": str(rows[-1].pk) if len(page) > limit else None,
    }


@router.post("/users", openapi_extra=OBJECT_BODY, response={201: dict}, summary="Create a user (administrators)")
def create_user(request: HttpRequest) -> Status[dict[str, Any]]:
    user = services.do_create_user(acting_user(request), json_body(request))
    return Status(201, user_to_dict(user, []))


@router.get("/users/{user_id}", summary="A user")
def get_user(request: HttpRequest, user_id: int) -> dict[str, Any]:
    user = services.get_user(user_id)
    return user_to_dict(user, _memberships([user.pk])[user.pk])


@router.patch("/users/{user_id}", openapi_extra=OBJECT_BODY, summary="Change or block a user (administrators)")
def update_user(request: HttpRequest, user_id: int) -> dict[str, Any]:
    user = services.do_update_user(acting_user(request), services.get_user(user_id), json_body(request))
    return user_to_dict(user, _memberships([user.pk])[user.pk])


@router.get("/me", summary="The current user")
def me(request: HttpRequest) -> dict[str, Any]:
    user = acting_user(request)
    return user_to_dict(user, _memberships([user.pk])[user.pk])


@router.post("/me/password", openapi_extra=OBJECT_BODY, response={204: None}, summary="Change your password")
def change_password(request: HttpRequest) -> Status[None]:
    body = json_body(request)
    old, new = body.get("old_password"), body.get("new_password")
    if not isinstance(old, str) or not isinstance(new, str):
        raise ValidationFailed(Problem("new_password", "required", _("Send old_password and new_password.")))
    services.do_change_own_password(acting_user(request), old, new)
    return Status(204, None)


@router.get("/departments", summary="The department tree, in path order")
def list_departments(request: HttpRequest, after: str = "", limit: int = 200) -> dict[str, Any]:
    _after(None, limit)
    departments = list(Department.objects.filter(path__gt=after).order_by("path")[: limit + 1])
    rows = departments[:limit]
    members: dict[int, list[int]] = {d.pk: [] for d in rows}
    for department_id, user_id in DepartmentMembership.objects.filter(department__in=rows).values_list(
        "department_id", "user_id"
    ):
        members[department_id].append(user_id)
    return {
        "items": [department_to_dict(d, members[d.pk]) for d in rows],
        "next_cursor": rows[-1].path if len(departments) > limit else None,
    }


@router.post("/departments", openapi_extra=OBJECT_BODY, response={201: dict}, summary="Create a department")
def create_department(request: HttpRequest) -> Status[dict[str, Any]]:
    body = json_body(request)
    members = body.pop("members", None)
    user = acting_user(request)
    member_ids = _member_ids(members) if members is not None else None
    with transaction.atomic():  # a refused member list leaves no department behind
        department = services.do_create_department(user, body)
        if member_ids is not None:
            services.do_set_department_members(user, department, member_ids)
    return Status(201, _department(department.pk))


def _member_ids(members: Any) -> list[int]:
    if not isinstance(members, list) or not all(isinstance(m, int) and not isinstance(m, bool) for m in members):
        raise ValidationFailed(Problem("members", "wrong_type", _("Must be a list of user ids.")))
    return members


def _department(department_id: int) -> dict[str, Any]:
    department = services.get_department(department_id)
    member_ids = list(DepartmentMembership.objects.filter(department=department).values_list("user_id", flat=True))
    return department_to_dict(department, member_ids)


@router.get("/departments/{department_id}", summary="A department")
def get_department(request: HttpRequest, department_id: int) -> dict[str, Any]:
    return _department(department_id)


@router.patch("/departments/{department_id}", openapi_extra=OBJECT_BODY, summary="Change a department")
def update_department(request: HttpRequest, department_id: int) -> dict[str, Any]:
    body = json_body(request)
    members = body.pop("members", None)
    user = acting_user(request)
    member_ids = _member_ids(members) if members is not None else None
    with transaction.atomic():
        department = services.do_update_department(user, services.get_department(department_id), body)
        if member_ids is not None:
            services.do_set_department_members(user, department, member_ids)
    return _department(department.pk)


@router.delete("/departments/{department_id}", response={204: None}, summary="Delete an empty department")
def delete_department(request: HttpRequest, department_id: int) -> Status[None]:
    services.do_delete_department(acting_user(request), services.get_department(department_id))
    return Status(204, None)


@router.get("/tokens", summary="Your API tokens (without their secret)")
def list_tokens(request: HttpRequest) -> dict[str, Any]:
    tokens = ApiToken.objects.filter(user=acting_user(request))[:PAGE]
    return {
        "items": [
            {
                "id": t.pk,
                "name": t.name,
                "prefix": t.prefix,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked": t.revoked_at is not None,
            }
            for t in tokens
        ],
        "next_cursor": None,
    }


@router.post(
    "/tokens", openapi_extra=OBJECT_BODY, response={201: dict}, summary="Create a token; the secret is shown once"
)
def create_token(request: HttpRequest) -> Status[dict[str, Any]]:
    body = json_body(request)
    name = body.get("name", "")
    if not isinstance(name, str):
        raise ValidationFailed(Problem("name", "wrong_type", _("Must be text.")))
    issued = services.do_create_token(acting_user(request), acting_user(request), name)
    return Status(201, {"id": issued.token.pk, "token": issued.raw, "prefix": issued.token.prefix})


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke a token")
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    user = acting_user(request)
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound(Problem("id", "not_found", _("No such token.")))
    services.do_revoke_token(user, token)
    return Status(204, None)
