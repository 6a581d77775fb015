"""SQL for custom values in ``Item.data``: one expression used both by queries and by their indexes.

An expression index only serves a query whose expression is the same, so both come from here:
``CustomValue`` in querysets and ``filterable_index_sql`` for ``CREATE INDEX``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, DecimalField, Expression, Field, TextField
from django.db.models.sql.compiler import SQLCompiler

from voronka.entities.models import FieldDefinition, FieldType

NUMERIC_TYPES = {FieldType.NUMBER, FieldType.MONEY}
INTEGER_TYPES = {FieldType.BOOLEAN, FieldType.USER, FieldType.LINK}  # JSON true/false are 1/0 in SQLite


def _path(fd_slug: str, field_type: str) -> tuple[str, ...]:
    return (fd_slug, "amount") if field_type == FieldType.MONEY else (fd_slug,)


def value_sql(column: str, slug: str, field_type: str, vendor: str) -> str:
    """The SQL text of one custom value. Slugs are validated ``[a-z][a-z0-9_]*``, safe to inline."""
    path = _path(slug, field_type)
    if vendor == "postgresql":
        text = f"({column} ->> '{path[0]}')" if len(path) == 1 else f"(({column} -> '{path[0]}') ->> '{path[1]}')"
        return f"({text})::numeric" if field_type in NUMERIC_TYPES else text
    text = f"json_extract({column}, '$.{'.'.join(path)}')"
    # SQLite: json_extract's result has no type affinity, while query parameters arrive as text ('5'),
    # and a number never equals nor sorts with a text. A CAST gives the expression an affinity, so the
    # parameter is converted to a number before it is compared.
    if field_type in NUMERIC_TYPES:
        return f"CAST({text} AS NUMERIC)"
    if field_type in INTEGER_TYPES:
        return f"CAST({text} AS INTEGER)"
    return text


class CustomValue(Expression):
    """``Item.data[slug]`` as a comparable SQL value (numeric for numbers and money, text otherwise)."""

    def __init__(self, slug: str, field_type: str) -> None:
        output: Field[Any, Any] = DecimalField() if field_type in NUMERIC_TYPES else TextField()
        super().__init__(output_field=output)
        self.slug = slug
        self.field_type = field_type

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, tuple[Any, ...]]:
        column = f"{compiler.quote_name_unless_alias('entities_item')}.{connection.ops.quote_name('data')}"
        return value_sql(column, self.slug, self.field_type, connection.vendor), ()

    def get_group_by_cols(self) -> list[Any]:
        return [self]

    def __repr__(self) -> str:
        return f"CustomValue({self.slug!r}, {self.field_type!r})"


def filterable_index_sql(fd: FieldDefinition, vendor: str) -> str:
    """A partial index for one filterable field: equality on the value, then newest first."""
    expression = value_sql('"data"', fd.slug, fd.field_type, vendor)
    return (
        f'CREATE INDEX IF NOT EXISTS {fd.index_name} ON "entities_item" '
        f'(({expression}), "modified_at" DESC, "id" DESC) WHERE "entity_type_id" = {int(fd.entity_type_id)}'
    )


class RowAfter(Expression):
    """``(a, b) < (x, y)`` (or ``>``): the keyset condition as one row comparison.

    Spelled as ``a < x OR (a = x AND b < y)`` the planner only filters an index walk with it; as a row
    comparison PostgreSQL (and SQLite) start the index scan at the cursor, so a page deep in a long list
    costs what the first one does.
    """

    conditional = True

    def __init__(self, columns: list[Any], values: list[Any], *, descending: bool) -> None:
        super().__init__(output_field=BooleanField())
        self.columns = list(columns)
        self.values = list(values)
        self.operator = "<" if descending else ">"

    def get_source_expressions(self) -> list[Any]:
        return [*self.columns, *self.values]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        count = len(self.columns)
        self.columns, self.values = list(exprs[:count]), list(exprs[count:])

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, tuple[Any, ...]]:
        left = [compiler.compile(expression) for expression in self.columns]
        right = [compiler.compile(expression) for expression in self.values]
        sql = f"({', '.join(s for s, _p in left)}) {self.operator} ({', '.join(s for s, _p in right)})"
        params = tuple(param for _s, ps in (*left, *right) for param in ps)
        return sql, params
