"""Listing items: filters on system and filterable custom fields, sorting, keyset (cursor) pages.

Every list starts from ``Item.objects.visible_to(user, "read")``; no OFFSET, no COUNT. A page costs one
query whatever its size; the cursor carries the last row's sort value and id.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.db.models import F, Field, Q, QuerySet, Value
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from voronka.accounts.models import User
from voronka.common.errors import Problem, ProblemCollector, ValidationFailed
from voronka.entities.models import FieldType, Item
from voronka.entities.schema import TypeSchema
from voronka.entities.sql import INTEGER_TYPES, CustomValue, RowAfter

MAX_PAGE = 200
DEFAULT_PAGE = 50
OPERATORS = {"eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "isnull"}
IN_LIMIT = 500
ID_LIMIT = 2**63 - 1
DECIMAL_LIMIT = Decimal("1e30")  # far beyond any stored amount, well within what databases compare

# System fields a client may filter and sort on, with the column and the kind of value each takes.
SYSTEM_FILTERS: dict[str, tuple[str, str]] = {
    "id": ("id", "int"),
    "title": ("title", "text"),
    "pipeline": ("pipeline_id", "pipeline"),
    "stage": ("stage_id", "stage"),
    "responsible": ("responsible_id", "int"),
    "created_by": ("created_by_id", "int"),
    "modified_by": ("modified_by_id", "int"),
    "created_at": ("created_at", "datetime"),
    "modified_at": ("modified_at", "datetime"),
    "closed": ("closed", "bool"),
    "amount": ("amount", "decimal"),
    "currency": ("currency", "text"),
}
SYSTEM_SORTS = {"id", "title", "created_at", "modified_at", "amount"}
NULLABLE_SORTS = {"amount"}


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_cursor: str | None


def _convert(raw: str, kind: str, schema: TypeSchema, name: str, errors: ProblemCollector) -> Any:
    """Turn one query-string value into what the column compares against."""
    try:
        if "\x00" in raw:  # no column holds NUL; PostgreSQL refuses the parameter outright
            raise ValueError
        if kind == "int":
            whole = int(raw)
            if abs(whole) > ID_LIMIT:  # no id is this large; SQLite cannot even take it as a parameter
                raise ValueError
            return whole
        if kind == "decimal":
            number = Decimal(raw.replace(",", "."))
            if not number.is_finite() or abs(number) >= DECIMAL_LIMIT:
                raise ValueError
            return number
        if kind == "bool":
            if raw.lower() in {"true", "1", "yes", "y"}:
                return True
            if raw.lower() in {"false", "0", "no", "n"}:
                return False
            raise ValueError
        if kind == "datetime":
            moment = parse_datetime(raw)
            if moment is None:
                day = parse_date(raw)
                if day is None:
                    raise ValueError
                moment = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            # In UTC now, while an OverflowError (0001-01-01 +01:00) is still the client's bad value.
            return moment.astimezone(dt.UTC)
        if kind == "date":
            day = parse_date(raw)
            if day is None:
                raise ValueError
            return day.isoformat()
        if kind == "pipeline":
            pipeline = schema.pipeline_by_ref(raw)
            if pipeline is None:
                errors.add(name, "not_found", _("No pipeline '%(ref)s'.") % {"ref": raw})
                return None
            return pipeline.pk
        if kind == "stage":
            matches = [s.pk for s in schema.stages_by_id.values() if s.slug == raw or str(s.pk) == raw]
            if not matches:
                errors.add(name, "not_found", _("No stage '%(ref)s'.") % {"ref": raw})
                return None
            return matches if len(matches) > 1 else matches[0]
        if kind == "json_bool":
            flag = _convert(raw, "bool", schema, name, errors)
            # PostgreSQL's ->> yields 'true'/'false'; SQLite's json_extract yields 1/0.
            if connection.vendor == "postgresql":
                return "true" if flag else "false"
            return 1 if flag else 0
        return raw
    except (ValueError, InvalidOperation, OverflowError):
        errors.add(name, "invalid_filter_value", _("'%(value)s' is not a valid value here.") % {"value": raw})
        return None


def _custom_kind(field_type: str) -> str:
    if field_type in {FieldType.NUMBER, FieldType.MONEY}:
        return "decimal"
    if field_type == FieldType.BOOLEAN:
        return "json_bool"
    if field_type in {FieldType.USER, FieldType.LINK}:
        return "int" if connection.vendor == "sqlite" else "text"
    if field_type == FieldType.DATE:
        return "date"
    return "text"


def apply_filters(queryset: QuerySet[Item], schema: TypeSchema, params: dict[str, str]) -> QuerySet[Item]:
    """Apply ``field`` / ``field__op`` filters; every unusable filter is reported, none ignored."""
    errors = ProblemCollector()
    conditions: list[Q] = []
    for key, raw in params.items():
        name, _sep, op = key.partition("__")
        op = op or "eq"
        if op not in OPERATORS:
            errors.add(
                key,
                "unknown_operator",
                _("Unknown operator '%(op)s'; use one of %(ops)s.")
                % {
                    "op": op,
                    "ops": ", ".join(sorted(OPERATORS)),
                },
            )
            continue
        if name in SYSTEM_FILTERS:
            column, kind = SYSTEM_FILTERS[name]
            target: Any = column
        elif name in schema.fields:
            fd = schema.fields[name]
            if not fd.filterable:
                errors.add(name, "not_filterable", _("This field is not filterable; an administrator can make it so."))
                continue
            alias = f"cf_{name}"
            queryset = queryset.alias(**{alias: CustomValue(name, fd.field_type)})
            target, kind = alias, _custom_kind(fd.field_type)
            if kind == "text" and fd.field_type in {FieldType.USER, FieldType.LINK}:
                kind = "int_text"
        else:
            errors.add(name, "unknown_field", _("No field '%(field)s' to filter on.") % {"field": name})
            continue
        if op == "isnull":
            flag = _convert(raw, "bool", schema, key, errors)
            if flag is not None:
                conditions.append(Q(**{f"{target}__isnull": flag}))
            continue
        raw_values = raw.split(",") if op == "in" else [raw]
        if len(raw_values) > IN_LIMIT:
            errors.add(key, "too_many_values", _("At most %(n)d values.") % {"n": IN_LIMIT})
            continue
        converted = []
        for value in raw_values:
            if kind == "int_text":
                checked = _convert(value, "int", schema, key, errors)
                converted.append(str(checked) if checked is not None else None)
            else:
                converted.append(_convert(value, kind, schema, key, errors))
        if any(v is None for v in converted):
            continue
        if op == "in" or (kind == "stage" and isinstance(converted[0], list)):
            flat: list[Any] = []
            for v in converted:
                flat.extend(v if isinstance(v, list) else [v])
            condition = Q(**{f"{target}__in": flat})
            conditions.append(~condition if op == "ne" else condition)
        elif op == "contains":
            conditions.append(Q(**{f"{target}__icontains": converted[0]}))
        elif op == "ne":
            # "Not 5" includes "empty", as Django makes it for a nullable column; SQL alone would drop NULLs.
            condition = ~Q(**{target: converted[0]})
            conditions.append(condition | Q(**{f"{target}__isnull": True}) if name not in SYSTEM_FILTERS else condition)
        else:
            lookup = "" if op == "eq" else f"__{op}"
            conditions.append(Q(**{f"{target}{lookup}": converted[0]}))
    errors.raise_if_any()
    for condition in conditions:
        queryset = queryset.filter(condition)
    return queryset


def _encode_cursor(sort: str, value: Any, last_id: int) -> str:
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([sort, value, last_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_sort, value, last_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if cursor_sort != sort or not _is_id(last_id):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise _invalid_cursor() from exc
    return value, last_id


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(
        Problem("cursor", "invalid_cursor", _("The cursor is invalid or belongs to another sort order."))
    )


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= ID_LIMIT


def _cursor_value(value: Any, sort_name: str, field_type: str | None) -> Any:
    """The cursor's sort value as the column compares it; a cursor is client input, so every kind is checked.

    ``field_type`` is the custom field's type when sorting by one, else None.
    """
    try:
        if sort_name == "id":
            if not _is_id(value):
                raise ValueError
            return value
        if sort_name in {"created_at", "modified_at"}:
            moment = parse_datetime(value) if isinstance(value, str) else None
            if moment is None or moment.tzinfo is None:
                raise ValueError
            return moment
        if value is None and (sort_name == "amount" or field_type is not None):
            return None  # past the last non-empty value: the empty ones follow
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError
        if sort_name == "amount" or field_type in {FieldType.NUMBER, FieldType.MONEY}:
            number = Decimal(str(value))
            if not number.is_finite() or abs(number) >= DECIMAL_LIMIT:
                raise ValueError
            return number
        if field_type not in INTEGER_TYPES and not isinstance(value, str):
            raise ValueError  # titles and text-valued fields compare as text on every database
        if isinstance(value, str) and "\x00" in value:
            raise ValueError
        return value
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise _invalid_cursor() from exc


def list_items(
    actor: User | None,
    schema: TypeSchema,
    *,
    filters: dict[str, str] | None = None,
    sort: str = "-modified_at",
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE,
    search: str | None = None,
) -> Page:
    errors = ProblemCollector()
    if not 1 <= limit <= MAX_PAGE:
        errors.add("limit", "out_of_range", _("Page size must be from 1 to %(max)d.") % {"max": MAX_PAGE})
    descending = sort.startswith("-")
    sort_name = sort.lstrip("-")
    sort_expr: Any
    nullable = sort_name in NULLABLE_SORTS
    queryset: QuerySet[Item] = Item.objects.visible_to(actor, "read", schema.entity_type).filter(
        entity_type=schema.entity_type
    )
    if sort_name in SYSTEM_SORTS:
        sort_expr = F(sort_name)
        sort_key = sort_name
    elif sort_name in schema.fields and schema.fields[sort_name].filterable:
        fd = schema.fields[sort_name]
        queryset = queryset.alias(sort_value=CustomValue(fd.slug, fd.field_type))
        sort_expr = F("sort_value")
        sort_key = "sort_value"
        nullable = True
    else:
        errors.add("sort", "not_sortable", _("Cannot sort by '%(field)s'.") % {"field": sort_name})
    errors.raise_if_any()
    if filters:
        queryset = apply_filters(queryset, schema, filters)
    if search:
        if "\x00" in search:
            raise ValidationFailed(Problem("q", "invalid_filter_value", _("The search text contains a NUL character.")))
        queryset = queryset.filter(title__icontains=search[:200])
    if cursor:
        raw_value, last_id = _decode_cursor(cursor, sort)
        custom_type = schema.fields[sort_name].field_type if sort_key == "sort_value" else None
        value = _cursor_value(raw_value, sort_name, custom_type)
        after = "lt" if descending else "gt"
        if value is None:
            queryset = queryset.filter(Q(**{f"{sort_key}__isnull": True}) & Q(**{f"id__{after}": last_id}))
        elif sort_name == "id":
            queryset = queryset.filter(**{f"id__{after}": last_id})
        elif sort_key in SYSTEM_SORTS:
            column = Item._meta.get_field(sort_key)
            assert isinstance(column, Field)
            column_value = Value(value, output_field=column)
            condition = Q(RowAfter([F(sort_key), F("id")], [column_value, Value(last_id)], descending=descending))
            if nullable:
                condition |= Q(**{f"{sort_key}__isnull": True})
            queryset = queryset.filter(condition)
        else:
            condition = Q(**{f"{sort_key}__{after}": value}) | (Q(**{sort_key: value}) & Q(**{f"id__{after}": last_id}))
            if nullable:
                condition |= Q(**{f"{sort_key}__isnull": True})
            queryset = queryset.filter(condition)
    # NULLS LAST only where NULLs can occur: an explicit null ordering would keep PostgreSQL from
    # walking the plain (type, modified_at DESC, id DESC) index for the common sorts.
    null_order = {"nulls_last": True} if nullable else {}
    order = sort_expr.desc(**null_order) if descending else sort_expr.asc(**null_order)
    id_order = "-id" if descending else "id"
    queryset = queryset.order_by(id_order) if sort_name == "id" else queryset.order_by(order, id_order)
    if sort_key == "sort_value":
        queryset = queryset.annotate(sort_value_out=sort_expr)
    rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        last_value = getattr(last, "sort_value_out" if sort_key == "sort_value" else sort_name)
        next_cursor = _encode_cursor(sort, last_value, last.pk)
    return Page(items=rows, next_cursor=next_cursor)
