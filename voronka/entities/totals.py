"""Per-stage counts and sums of a pipeline (the kanban's column headers), through the rights scope."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from voronka.accounts.models import User
from voronka.entities.models import Item, Pipeline
from voronka.entities.query import apply_filters
from voronka.entities.schema import TypeSchema


@dataclass(frozen=True)
class StageTotal:
    stage: str
    count: int
    amount: Decimal | None  # None when the type has no money or the amount is hidden from the user


def stage_totals(
    actor: User | None,
    schema: TypeSchema,
    pipeline: Pipeline,
    *,
    filters: dict[str, str] | None = None,
    hidden: set[str] | frozenset[str] = frozenset(),
) -> list[StageTotal]:
    """One grouped query over the items the actor may read; every stage appears, empty ones with 0."""
    queryset: QuerySet[Item] = Item.objects.visible_to(actor, "read", schema.entity_type).filter(
        entity_type=schema.entity_type, pipeline=pipeline
    )
    if filters:
        queryset = apply_filters(queryset, schema, filters)  # the caller refuses filters on hidden fields
    with_sum = schema.entity_type.has_money and "amount" not in hidden
    aggregates = {"count": Count("id")}
    if with_sum:
        aggregates["amount"] = Sum("amount")  # type: ignore[assignment]
    rows: dict[int, dict[str, Any]] = {
        row["stage_id"]: dict(row) for row in queryset.order_by().values("stage_id").annotate(**aggregates)
    }
    totals = []
    for stage in schema.stages_by_pipeline.get(pipeline.pk, []):
        row: dict[str, Any] = rows.get(stage.pk, {})
        amount = (row.get("amount") or Decimal("0")) if with_sum else None
        totals.append(StageTotal(stage=stage.slug, count=int(row.get("count", 0)), amount=amount))
    return totals
