"""Writing planned demo items: PostgreSQL COPY, or ``bulk_create`` on other databases."""

from __future__ import annotations

import json
from typing import Protocol

from django.db import connection, transaction

from voronka.demo.bulk_plan import PlannedItem
from voronka.entities.models import Item, ItemLink

ITEM_COLUMNS = (
    "id",
    "entity_type_id",
    "pipeline_id",
    "stage_id",
    "title",
    "responsible_id",
    "created_by_id",
    "created_at",
    "modified_by_id",
    "modified_at",
    "closed",
    "amount",
    "currency",
    "data",
    "version",
)


class Writer(Protocol):
    def write(self, planned: list[PlannedItem]) -> int: ...  # returns the number of ItemLink rows


class PostgresWriter:
    """COPY into the item and link tables. Ids come from the item sequence itself, so it stays right.

    Foreign-key checks are skipped where the role may do so and the two tables have no trigger of
    their own (so nothing else is skipped): ``session_replication_role = replica``, as ``pg_restore
    --disable-triggers`` does. They are 40% of the server's work per row at a million items, and every
    reference here is an id the generator has just allocated or read from the database.
    """

    def __init__(self) -> None:
        item_table, link_table = Item._meta.db_table, ItemLink._meta.db_table
        self.items_sql = f'COPY "{item_table}" ({", ".join(ITEM_COLUMNS)}) FROM STDIN'
        # The link id is left to its identity default.
        self.links_sql = f'COPY "{link_table}" (source_id, field_id, target_id) FROM STDIN'
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [item_table])
            self.sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT current_setting('is_superuser') = 'on' AND NOT EXISTS ("
                "  SELECT 1 FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN (%s::regclass, %s::regclass))",
                [item_table, link_table],
            )
            self.skip_fk_checks = bool(cursor.fetchone()[0])

    def write(self, planned: list[PlannedItem]) -> int:
        links = 0
        with transaction.atomic(), connection.cursor() as cursor:
            # Losing the last batches in a server crash is fine for demo data; waiting on each flush is not.
            cursor.execute("SET LOCAL synchronous_commit = off")
            if self.skip_fk_checks:
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [self.sequence, len(planned)])
            for p, (item_id,) in zip(planned, cursor.fetchall(), strict=True):
                p.id = item_id
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(self.items_sql) as copy:
                for p in planned:
                    copy.write_row(
                        (
                            p.id,
                            p.entity_type_id,
                            p.pipeline_id,
                            p.stage_id,
                            p.title,
                            p.responsible_id,
                            p.created_by_id,
                            p.created_at,
                            p.modified_by_id,
                            p.modified_at,
                            p.closed,
                            p.amount,
                            p.currency,
                            json.dumps(p.final_data(), ensure_ascii=False),
                            1,
                        )
                    )
            with raw.copy(self.links_sql) as copy:
                for p in planned:
                    for field_id, _slug, _multiple, targets in p.links:
                        for target in targets:
                            copy.write_row((p.id, field_id, target.id))
                            links += 1
        return links


class OrmWriter:
    """``bulk_create`` for SQLite: link targets are inserted first (by level) so their ids are known."""

    def write(self, planned: list[PlannedItem]) -> int:
        by_level: dict[int, list[PlannedItem]] = {}
        for p in planned:
            by_level.setdefault(p.level, []).append(p)
        link_rows: list[ItemLink] = []
        with transaction.atomic():
            for level in sorted(by_level):
                rows = by_level[level]
                created = Item.objects.bulk_create(
                    [
                        Item(
                            entity_type_id=p.entity_type_id,
                            pipeline_id=p.pipeline_id,
                            stage_id=p.stage_id,
                            title=p.title,
                            responsible_id=p.responsible_id,
                            created_by_id=p.created_by_id,
                            created_at=p.created_at,
                            modified_by_id=p.modified_by_id,
                            modified_at=p.modified_at,
                            closed=p.closed,
                            amount=p.amount,
                            currency=p.currency,
                            data=p.final_data(),
                            version=1,
                        )
                        for p in rows
                    ]
                )
                for p, item in zip(rows, created, strict=True):
                    p.id = item.pk
            for p in planned:
                for field_id, _slug, _multiple, targets in p.links:
                    link_rows.extend(ItemLink(source_id=p.id, field_id=field_id, target_id=t.id) for t in targets)
            ItemLink.objects.bulk_create(link_rows)
        return len(link_rows)


def writer_for_connection() -> Writer:
    return PostgresWriter() if connection.vendor == "postgresql" else OrmWriter()
