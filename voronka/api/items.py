"""Items of every entity type: ``/api/v1/types/{type_slug}/items[/{id}]``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from voronka.accounts.models import User
from voronka.api.base import OBJECT_BODY, acting_user, json_body
from voronka.common.errors import NotFound, Problem, ValidationFailed
from voronka.entities.models import Item, ItemHistory
from voronka.entities.query import DEFAULT_PAGE, list_items
from voronka.entities.schema import get_entity_type, schema_for
from voronka.entities.serialize import item_to_dict
from voronka.entities.services.convert import do_convert_lead
from voronka.entities.services.items import (
    SYSTEM_FIELDS,
    do_create_item,
    do_delete_item,
    do_move_item,
    do_update_item,
    get_item,
)
from voronka.entities.totals import stage_totals
from voronka.rights.access import hidden_fields

router = Router(tags=["items"])
LIST_PARAMS = {"fields", "sort", "cursor", "limit", "q"}


def _field_selection(raw: str | None, known: set[str]) -> set[str] | None:
    if not raw:
        return None
    wanted = {name.strip() for name in raw.split(",") if name.strip()}
    unknown = sorted(wanted - known)
    if unknown:
        raise ValidationFailed(
            Problem("fields", "unknown_field", _("Unknown fields: %(names)s") % {"names": ", ".join(unknown)})
        )
    return wanted


def _known_names(schema: Any, hidden: set[str]) -> set[str]:
    return (set(SYSTEM_FIELDS) | {"version", "converted_from"} | set(schema.fields)) - hidden


def refuse_hidden_names(params: dict[str, str], sort: str | None, hidden: set[str]) -> None:
    """A field hidden from the user cannot be filtered or sorted on: to them it does not exist."""
    problems = [
        Problem(key, "unknown_field", _("No field '%(field)s' to filter on.") % {"field": key})
        for key in params
        if key.partition("__")[0] in hidden
    ]
    if sort is not None and sort.lstrip("-") in hidden:
        problems.append(Problem("sort", "not_sortable", _("Cannot sort by '%(field)s'.") % {"field": sort}))
    if problems:
        raise ValidationFailed(problems)


def _expected_version(body: dict[str, Any]) -> int | None:
    version = body.pop("version", None)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ValidationFailed(Problem("version", "wrong_type", _("Must be the item's version number.")))
    return version


@router.get("/types/{type_slug}/items", summary="List items (filters, sort, cursor pages)")
def list_type_items(request: HttpRequest, type_slug: str) -> dict[str, Any]:
    """Query parameters: ``fields``, ``sort`` (``-modified_at`` by default), ``cursor``, ``limit`` (1-200),
    ``q`` (title search); any other ``name`` or ``name__op`` (eq, ne, lt, lte, gt, gte, in, contains,
    isnull) filters on a system field or a filterable custom field."""
    user = acting_user(request)
    schema = schema_for(get_entity_type(type_slug))
    params = request.GET
    try:
        limit = int(params.get("limit", DEFAULT_PAGE))
    except ValueError as exc:
        raise ValidationFailed(Problem("limit", "wrong_type", _("Must be a whole number."))) from exc
    filters = {key: params[key] for key in params if key not in LIST_PARAMS}
    for key in filters:
        if len(params.getlist(key)) > 1:
            raise ValidationFailed(Problem(key, "repeated_filter", _("Give each filter once; use __in for lists.")))
    hidden = hidden_fields(user, schema.entity_type)
    refuse_hidden_names(filters, params.get("sort"), hidden)
    if params.get("q") and "title" in hidden:
        raise ValidationFailed(Problem("q", "unknown_field", _("No field 'title' to search in.")))
    selection = _field_selection(params.get("fields"), _known_names(schema, hidden))
    page = list_items(
        user,
        schema,
        filters=filters,
        sort=params.get("sort", "-modified_at"),
        cursor=params.get("cursor"),
        limit=limit,
        search=params.get("q"),
    )
    return {
        "items": [item_to_dict(item, schema, selection, hidden) for item in page.items],
        "next_cursor": page.next_cursor,
    }


@router.post("/types/{type_slug}/items", openapi_extra=OBJECT_BODY, summary="Create an item", response={201: dict})
def create_type_item(request: HttpRequest, type_slug: str) -> Status[dict[str, Any]]:
    user = acting_user(request)
    entity_type = get_entity_type(type_slug)
    item = do_create_item(user, entity_type, json_body(request))
    return Status(201, _item_response(user, item))


@router.get("/types/{type_slug}/items/{item_id}", summary="Get an item")
def get_type_item(request: HttpRequest, type_slug: str, item_id: int, fields: str | None = None) -> dict[str, Any]:
    user = acting_user(request)
    entity_type = get_entity_type(type_slug)
    schema = schema_for(entity_type)
    item = get_item(user, item_id, "read", entity_type)
    hidden = hidden_fields(user, entity_type)
    return item_to_dict(item, schema, _field_selection(fields, _known_names(schema, hidden)), hidden)


@router.patch("/types/{type_slug}/items/{item_id}", openapi_extra=OBJECT_BODY, summary="Change an item")
def update_type_item(request: HttpRequest, type_slug: str, item_id: int) -> dict[str, Any]:
    """Send only the fields to change. Include ``version`` to refuse the write (409) if someone else
    changed the item since you read it."""
    user = acting_user(request)
    entity_type = get_entity_type(type_slug)
    item = get_item(user, item_id, "read", entity_type)
    body = json_body(request)
    expected = _expected_version(body)
    item = do_update_item(user, item, body, expected_version=expected)
    return _item_response(user, item)


@router.post("/types/{type_slug}/items/{item_id}/move", openapi_extra=OBJECT_BODY, summary="Move to a stage")
def move_type_item(request: HttpRequest, type_slug: str, item_id: int) -> dict[str, Any]:
    """Body: ``{"stage": "won", "pipeline": "optional", "values": {fields to fill}, "version": n}``."""
    user = acting_user(request)
    entity_type = get_entity_type(type_slug)
    item = get_item(user, item_id, "read", entity_type)
    body = json_body(request)
    expected = _expected_version(body)
    unknown = set(body) - {"stage", "pipeline", "values"}
    if unknown:
        raise ValidationFailed([Problem(k, "unknown_field", _("Unknown field.")) for k in sorted(unknown)])
    if not body.get("stage"):
        raise ValidationFailed(Problem("stage", "required", _("Name the stage to move to.")))
    values = body.get("values") or {}
    if not isinstance(values, dict):
        raise ValidationFailed(Problem("values", "wrong_type", _("Must be an object of field values.")))
    item = do_move_item(
        user, item, body["stage"], pipeline=body.get("pipeline"), values=values, expected_version=expected
    )
    return _item_response(user, item)


@router.delete("/types/{type_slug}/items/{item_id}", summary="Delete an item", response={204: None})
def delete_type_item(request: HttpRequest, type_slug: str, item_id: int) -> Status[None]:
    user = acting_user(request)
    item = get_item(user, item_id, "read", get_entity_type(type_slug))
    do_delete_item(user, item)
    return Status(204, None)


@router.get("/types/{type_slug}/items/{item_id}/history", summary="Change history, newest first")
def item_history(
    request: HttpRequest, type_slug: str, item_id: int, before: int | None = None, limit: int = 50
) -> dict[str, Any]:
    user = acting_user(request)
    entity_type = get_entity_type(type_slug)
    item = get_item(user, item_id, "read", entity_type)
    if not 1 <= limit <= 200:
        raise ValidationFailed(Problem("limit", "out_of_range", _("Page size must be from 1 to 200.")))
    # History of a hidden field is as hidden as the field ("created" is the creation marker).
    rows = (
        ItemHistory.objects.filter(item=item)
        .exclude(field__in=sorted(hidden_fields(user, entity_type)))
        .order_by("-id")
    )
    if before is not None:
        rows = rows.filter(id__lt=before)
    page = list(rows[: limit + 1])
    entries = [
        {
            "id": row.pk,
            "field": row.field,
            "old": row.old_value,
            "new": row.new_value,
            "changed_by": row.changed_by_id,
            "changed_at": row.changed_at.isoformat(),
        }
        for row in page[:limit]
    ]
    return {"items": entries, "next_cursor": str(page[limit - 1].pk) if len(page) > limit else None}


@router.post("/types/lead/items/{item_id}/convert", openapi_extra=OBJECT_BODY, summary="Convert a lead")
def convert_lead(request: HttpRequest, item_id: int) -> dict[str, Any]:
    """Body: ``{"contact": {}, "company": {}, "deal": {"pipeline": "default"}}`` — each key present is
    created, its object holding values that override what is carried over from the lead."""
    user = acting_user(request)
    lead = get_item(user, item_id, "read", get_entity_type("lead"))
    body = json_body(request)
    for key, value in body.items():
        if value is not None and not isinstance(value, dict):
            raise ValidationFailed(Problem(key, "wrong_type", _("Must be an object of field values.")))
    created = do_convert_lead(user, lead, targets=body)
    return {slug: _item_response(user, item) for slug, item in created.items()}


def _item_response(user: User, item: Item) -> dict[str, Any]:
    return item_to_dict(item, schema_for(item.entity_type), hidden=hidden_fields(user, item.entity_type))


@router.get("/types/{type_slug}/pipelines/{pipeline_slug}/totals", summary="Per-stage counts and sums (kanban)")
def pipeline_totals(request: HttpRequest, type_slug: str, pipeline_slug: str) -> dict[str, Any]:
    """Counts, and sums of the amount unless it is hidden from you, of the items you may read in each
    stage; the same filters as the list apply."""
    user = acting_user(request)
    schema = schema_for(get_entity_type(type_slug))
    pipeline = schema.pipeline_by_ref(pipeline_slug)
    if pipeline is None:
        raise NotFound(Problem("pipeline", "not_found", _("No pipeline '%(slug)s'.") % {"slug": pipeline_slug}))
    filters = {key: request.GET[key] for key in request.GET}
    hidden = hidden_fields(user, schema.entity_type)
    refuse_hidden_names(filters, None, hidden)
    totals = stage_totals(user, schema, pipeline, filters=filters, hidden=hidden)
    return {
        "items": [
            {"stage": t.stage, "count": t.count, "amount": float(t.amount) if t.amount is not None else None}
            for t in totals
        ],
        "next_cursor": None,
    }
