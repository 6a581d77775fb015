"""CSV export of the items a user may export, streamed in id order (never held whole in memory)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Router

from voronka.api.base import acting_user
from voronka.api.items import refuse_hidden_names
from voronka.entities.models import Item
from voronka.entities.query import apply_filters
from voronka.entities.schema import TypeSchema, get_entity_type, schema_for
from voronka.entities.serialize import item_columns, item_to_dict
from voronka.rights.access import hidden_fields

router = Router(tags=["items"])
CHUNK = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """A cell as text; one that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = "; ".join(neutralise(v) for v in value)
    elif isinstance(value, dict):
        value = " ".join(str(v) for v in value.values())
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _rows(queryset: Any, schema: TypeSchema, columns: list[str], hidden: set[str]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(columns)  # the BOM makes spreadsheet programs read UTF-8
    last_id = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last_id).order_by("pk")[:CHUNK])
        for item in chunk:
            row = item_to_dict(item, schema, hidden=hidden)
            yield writer.writerow([neutralise(row.get(column)) for column in columns])
        if len(chunk) < CHUNK:
            return
        last_id = chunk[-1].pk


@router.get("/types/{type_slug}/export", summary="Export items as CSV (the list's filters apply)")
def export_items(request: HttpRequest, type_slug: str) -> StreamingHttpResponse:
    user = acting_user(request)
    entity_type = get_entity_type(type_slug)
    schema = schema_for(entity_type)
    hidden = hidden_fields(user, entity_type)
    filters = {key: request.GET[key] for key in request.GET}
    refuse_hidden_names(filters, None, hidden)
    queryset: QuerySet[Item] = Item.objects.visible_to(user, "export", entity_type).filter(entity_type=entity_type)
    if filters:
        queryset = apply_filters(queryset, schema, filters)
    columns = item_columns(schema, hidden)
    response = StreamingHttpResponse(_rows(queryset, schema, columns, hidden), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{entity_type.slug}.csv"'
    return response
