"""Items as JSON: system fields by their contract names, custom fields by slug."""

from __future__ import annotations

from typing import Any

from voronka.entities.models import Item
from voronka.entities.schema import TypeSchema


def item_to_dict(
    item: Item,
    schema: TypeSchema,
    fields: set[str] | None = None,
    hidden: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """``fields`` limits the output (``id`` is always there); ``hidden`` fields never appear at all."""
    stage = schema.stages_by_id.get(item.stage_id) if item.stage_id else None
    pipeline = next((p for p in schema.pipelines if p.pk == item.pipeline_id), None)
    system: dict[str, Any] = {
        "id": item.pk,
        "title": item.title,
        "pipeline": pipeline.slug if pipeline else None,
        "stage": stage.slug if stage else None,
        "responsible": item.responsible_id,
        "created_by": item.created_by_id,
        "created_at": item.created_at.isoformat(),
        "modified_by": item.modified_by_id,
        "modified_at": item.modified_at.isoformat(),
        "closed": item.closed,
        "version": item.version,
    }
    if schema.entity_type.has_money:
        system["amount"] = float(item.amount) if item.amount is not None else None
        system["currency"] = item.currency or None
    if item.converted_from_id:
        system["converted_from"] = item.converted_from_id
    custom = {slug: item.data.get(slug) for slug in schema.fields}
    result = system | custom
    for slug in hidden:
        result.pop(slug, None)
    if fields is not None:
        result = {key: value for key, value in result.items() if key in fields or key == "id"}
    return result


def item_columns(schema: TypeSchema, hidden: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The names ``item_to_dict`` yields for items of this type, in its order (for tables and exports)."""
    names = ["id", "title", "pipeline", "stage", "responsible", "created_by", "created_at", "modified_by"]
    names += ["modified_at", "closed", "version"]
    if schema.entity_type.has_money:
        names += ["amount", "currency"]
    names += list(schema.fields)
    return [name for name in names if name not in hidden]
