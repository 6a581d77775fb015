"""Rights administration and the explainer: ``/api/v1/rights/...``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from voronka.accounts.services import get_user, require_administrator
from voronka.api.base import OBJECT_BODY, acting_user, json_body
from voronka.common.errors import NotFound, Problem, ValidationFailed
from voronka.entities.schema import get_entity_type
from voronka.rights import services
from voronka.rights.explainer import explain as explain_request
from voronka.rights.models import Delegation, FieldRule, Grant, ListView, Role, RoleAssignment

router = Router(tags=["rights"])


def role_to_dict(role: Role) -> dict[str, Any]:
    grants = [
        {
            "type": g.entity_type.slug,
            "pipeline": g.pipeline.slug if g.pipeline else None,
            "stage": g.stage.slug if g.stage else None,
            "action": g.action,
            "level": g.level,
        }
        for g in Grant.objects.filter(role=role).select_related("entity_type", "pipeline", "stage")
    ]
    rules = [
        {"type": r.entity_type.slug, "field": r.field, "access": r.access}
        for r in FieldRule.objects.filter(role=role).select_related("entity_type")
    ]
    assignments = [
        {"id": a.pk, "user": a.user_id, "department": a.department_id, "group": a.group.name if a.group else None}
        for a in RoleAssignment.objects.filter(role=role).select_related("group")
    ]
    return {
        "slug": role.slug,
        "name_ru": role.name_ru,
        "name_en": role.name_en,
        "description": role.description,
        "grants": grants,
        "field_rules": rules,
        "assignments": assignments,
    }


@router.get("/rights/roles", summary="Roles with their grants, field rules and assignments")
def list_roles(request: HttpRequest) -> dict[str, Any]:
    require_administrator(acting_user(request))
    return {"items": [role_to_dict(r) for r in Role.objects.all()[:500]], "next_cursor": None}


@router.post("/rights/roles", openapi_extra=OBJECT_BODY, response={201: dict}, summary="Create a role")
def create_role(request: HttpRequest) -> Status[dict[str, Any]]:
    user = acting_user(request)
    body = json_body(request)
    grants, rules = body.pop("grants", None), body.pop("field_rules", None)
    role = services.do_create_role(user, body)
    if grants is not None:
        services.do_set_grants(user, role, grants)
    if rules is not None:
        services.do_set_field_rules(user, role, rules)
    return Status(201, role_to_dict(role))


@router.get("/rights/roles/{slug}", summary="A role")
def get_role(request: HttpRequest, slug: str) -> dict[str, Any]:
    require_administrator(acting_user(request))
    return role_to_dict(services.get_role(slug))


@router.patch("/rights/roles/{slug}", openapi_extra=OBJECT_BODY, summary="Rename a role")
def update_role(request: HttpRequest, slug: str) -> dict[str, Any]:
    return role_to_dict(services.do_update_role(acting_user(request), services.get_role(slug), json_body(request)))


@router.delete("/rights/roles/{slug}", response={204: None}, summary="Delete a role")
def delete_role(request: HttpRequest, slug: str) -> Status[None]:
    services.do_delete_role(acting_user(request), services.get_role(slug))
    return Status(204, None)


@router.put("/rights/roles/{slug}/grants", openapi_extra=OBJECT_BODY, summary="Replace a role's grants")
def set_grants(request: HttpRequest, slug: str) -> dict[str, Any]:
    role = services.get_role(slug)
    services.do_set_grants(acting_user(request), role, json_body(request).get("grants"))
    return role_to_dict(role)


@router.put("/rights/roles/{slug}/field-rules", openapi_extra=OBJECT_BODY, summary="Replace a role's field rules")
def set_field_rules(request: HttpRequest, slug: str) -> dict[str, Any]:
    role = services.get_role(slug)
    services.do_set_field_rules(acting_user(request), role, json_body(request).get("field_rules"))
    return role_to_dict(role)


@router.post(
    "/rights/roles/{slug}/assignments",
    openapi_extra=OBJECT_BODY,
    response={201: dict},
    summary="Give the role to a user, a department or a directory group",
)
def assign_role(request: HttpRequest, slug: str) -> Status[dict[str, Any]]:
    assignment = services.do_assign_role(acting_user(request), services.get_role(slug), json_body(request))
    return Status(201, {"id": assignment.pk, "user": assignment.user_id, "department": assignment.department_id})


@router.delete("/rights/roles/{slug}/assignments/{assignment_id}", response={204: None}, summary="Take a role back")
def unassign_role(request: HttpRequest, slug: str, assignment_id: int) -> Status[None]:
    require_administrator(acting_user(request))
    assignment = RoleAssignment.objects.filter(pk=assignment_id, role__slug=slug).select_related("role").first()
    if assignment is None:
        raise NotFound(Problem("id", "not_found", _("No such assignment.")))
    services.do_unassign_role(acting_user(request), assignment)
    return Status(204, None)


@router.put(
    "/rights/delegations/{user_id}",
    openapi_extra=OBJECT_BODY,
    summary="Give a user the same access as other users (an assistant)",
)
def set_delegations(request: HttpRequest, user_id: int) -> dict[str, Any]:
    sources = json_body(request).get("sources")
    if not isinstance(sources, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in sources):
        raise ValidationFailed(Problem("sources", "wrong_type", _("Must be a list of user ids.")))
    user = get_user(user_id)
    services.do_set_delegations(acting_user(request), user, sources)
    return {
        "user": user.pk,
        "sources": sorted(Delegation.objects.filter(user=user).values_list("source_id", flat=True)),
    }


@router.get("/rights/settings", summary="Installation-wide rights settings")
def get_settings(request: HttpRequest) -> dict[str, Any]:
    return {"personal_views_allowed": services.rights_settings().personal_views_allowed}


@router.patch("/rights/settings", openapi_extra=OBJECT_BODY, summary="Change rights settings")
def update_settings(request: HttpRequest) -> dict[str, Any]:
    body = json_body(request)
    unknown = set(body) - {"personal_views_allowed"}
    if unknown:
        raise ValidationFailed([Problem(k, "unknown_field", _("Unknown field.")) for k in sorted(unknown)])
    if "personal_views_allowed" in body:
        services.do_set_personal_views_allowed(acting_user(request), body["personal_views_allowed"])
    return {"personal_views_allowed": services.rights_settings().personal_views_allowed}


@router.get("/rights/explain", summary="Why a user may or may not do something")
def explain(
    request: HttpRequest,
    user: int,
    type: str,
    action: str = "read",
    item: int | None = None,
    field: str | None = None,
    stage: str | None = None,
) -> dict[str, Any]:
    """``user`` and ``type`` always; ``item`` for an item action, ``field`` for a field, ``stage`` (a slug of
    the item's pipeline) for ``move_in``. Administrators may ask about anyone; others about themselves."""
    return explain_request(acting_user(request), user, type, action, item, field, stage)


@router.get("/types/{type_slug}/views", summary="List views available to you")
def list_views(request: HttpRequest, type_slug: str) -> dict[str, Any]:
    user = acting_user(request)
    views = services.views_for(user, get_entity_type(type_slug))
    return {"items": [view_to_dict(v) for v in views], "next_cursor": None}


@router.post("/types/{type_slug}/views", openapi_extra=OBJECT_BODY, response={201: dict}, summary="Create a view")
def create_view(request: HttpRequest, type_slug: str) -> Status[dict[str, Any]]:
    view = services.do_create_view(acting_user(request), get_entity_type(type_slug), json_body(request))
    return Status(201, view_to_dict(view))


def view_to_dict(view: ListView) -> dict[str, Any]:
    return {
        "slug": view.slug,
        "name": view.name,
        "role": view.role.slug if view.role else None,
        "personal": view.owner_id is not None,
        "columns": view.columns,
        "filters": view.filters,
        "sort": view.sort,
    }
