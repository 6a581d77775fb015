"""Items benchmark: demo generation rate, and a filtered, sorted list page of deals at N deals.

    uv run python bench/items.py [--n 1000000] [--database-url URL] [--runs 50] [--reuse]

Prints one line per figure (see bench/README.md); progress, plans and notes go to stderr.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/voronka_bench"
PAGE = 50


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# The database: created if missing, recreated for a fresh generation
# ----------------------------------------------------------------------------------------------


def _maintenance(url: str) -> tuple[Any, str]:
    """An autocommit connection to the server's ``postgres`` database, and the benchmark database's name."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    connection = psycopg.connect(
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )
    return connection, str(config["NAME"])


def create_database_if_missing(url: str) -> None:
    from psycopg import sql

    connection, name = _maintenance(url)
    with connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            note(f"# created database {name}")


def recreate_database(url: str) -> None:
    from psycopg import sql

    connection, name = _maintenance(url)
    if "bench" not in name:
        # Dropping is only safe for a database that exists for benchmarks.
        raise SystemExit(f"refusing to drop database '{name}': use a database whose name contains 'bench', or --reuse")
    with connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    note(f"# recreated database {name}")


def setup_django(url: str) -> None:
    os.environ["VORONKA_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "voronka.config.settings"
    os.environ.setdefault("VORONKA_DEBUG", "false")  # DEBUG would record every query in memory
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# ----------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where a page starts: the service's cursor and the same row for the raw SQL."""

    cursor: str
    moment: Any
    last_id: int


@dataclass
class Timings:
    service_ms: list[float]
    baseline_ms: list[float]

    def line(self, name: str, n: int) -> str:
        median = statistics.median(self.service_ms)
        ordered = sorted(self.service_ms)
        p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]  # nearest rank
        baseline = statistics.median(self.baseline_ms)
        return (
            f"{name}: n={n} runs={len(self.service_ms)} median_ms={median:.2f} p95_ms={p95:.2f} "
            f"baseline_ms={baseline:.2f} ratio={median / baseline:.2f}"
        )


def elapsed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def explain(sql: str, params: list[Any] | None = None) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params or [])
        return "\n".join(row[0] for row in cursor.fetchall())


# ----------------------------------------------------------------------------------------------
# The benchmark
# ----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="number of deals (default 1000000)")
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"PostgreSQL database (default {DEFAULT_URL})")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per query figure (default 50)")
    parser.add_argument("--reuse", action="store_true", help="skip generation if the database has >= n deals")
    parser.add_argument("--batch", type=int, default=5000, help="items per generation transaction")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL: the targets are PostgreSQL figures")

    create_database_if_missing(args.database_url)
    setup_django(args.database_url)
    migrate()

    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    from voronka.demo.bulk import ensure_region_field, generate_deals
    from voronka.demo.people import create_demo_people
    from voronka.entities.models import Item
    from voronka.entities.query import _encode_cursor, list_items
    from voronka.entities.schema import get_entity_type, schema_for
    from voronka.entities.serialize import item_to_dict

    deal_type = get_entity_type("deal")
    deals = Item.objects.filter(entity_type=deal_type).count()
    if args.reuse and deals >= args.n:
        note(f"# reusing {deals} deals")
    else:
        if Item.objects.exists():
            connections.close_all()
            recreate_database(args.database_url)
            migrate()
        admin = create_demo_people()["admin"]
        ensure_region_field(admin)  # before generation, so deals are generated with a region
        result = generate_deals(args.n, batch=args.batch, seed=42, out=sys.stderr)
        print(f"demo_generate: n={result.items} per_s={result.items_per_second:.0f}", flush=True)
        deal_type = get_entity_type("deal")
        deals = result.deals

    admin = create_demo_people()["admin"]
    region = ensure_region_field(admin)
    deal_type = get_entity_type("deal")
    schema = schema_for(deal_type)
    keys = [str(option["key"]) for option in region.options]
    with connection.cursor() as cursor:
        cursor.execute('ANALYZE "entities_item"')
        cursor.execute("SELECT version()")
        note(f"# {cursor.fetchone()[0]}")

    column_names = [f.column for f in Item._meta.concrete_fields]
    modified_at_index = column_names.index("modified_at")
    columns = ", ".join(f'"{name}"' for name in column_names)
    # The slug is inlined like the service does: a parameter would not match the index expression.
    base_sql = (
        f'SELECT {columns} FROM "entities_item" WHERE "entity_type_id" = %s AND ("data" ->> \'{region.slug}\') = %s'
    )
    # The keyset condition list_items writes for "-modified_at" after a cursor (a row comparison).
    after_sql = ' AND ("modified_at", "id") < (%s, %s)'
    order = ' ORDER BY "modified_at" DESC, "id" DESC LIMIT %s'

    def service_page(key: str, cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        page = list_items(admin, schema, filters={region.slug: key}, sort="-modified_at", cursor=cursor, limit=PAGE)
        return [item_to_dict(item, schema) for item in page.items], page.next_cursor

    def baseline_query(key: str, after: Position | None) -> tuple[str, list[Any]]:
        if after is None:
            return base_sql + order, [deal_type.pk, key, PAGE + 1]
        return base_sql + after_sql + order, [deal_type.pk, key, after.moment, after.last_id, PAGE + 1]

    def baseline_page(key: str, after: Position | None) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(*baseline_query(key, after))
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows

    # Where each figure's page starts, per key: page 1 at the top, page 2 at page 1's cursor, and a
    # deep page half-way down the key's deals (where a keyset condition must be an index condition).
    starts: dict[str, dict[str, Position | None]] = {"page1": {}, "page2": {}, "deep": {}}
    for key in keys:
        rows, next_cursor = service_page(key)
        baseline_rows = baseline_page(key, None)
        if [r["id"] for r in rows] != [r[0] for r in baseline_rows[:PAGE]]:
            note(f"# WARNING: service and baseline disagree on page 1 for {key}")
        starts["page1"][key] = None
        if next_cursor is not None:
            last = baseline_rows[PAGE - 1]
            starts["page2"][key] = Position(next_cursor, last[modified_at_index], last[0])
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT "modified_at", "id" FROM ({base_sql}) AS matching ORDER BY "modified_at" DESC, "id" DESC '
                "OFFSET (SELECT count(*) / 2 FROM (" + base_sql + ") AS counted) LIMIT 1",
                [deal_type.pk, key, deal_type.pk, key],
            )
            middle = cursor.fetchone()
        if middle is not None:
            # The cursor list_items would have handed out at that row (its format is the service's own).
            starts["deep"][key] = Position(_encode_cursor("-modified_at", middle[0], middle[1]), middle[0], middle[1])

    names = {"page1": "items_list_region_page1", "page2": "items_list_region_page2", "deep": "items_list_region_deep"}
    timings = {figure: Timings([], []) for figure in starts}
    for run in range(args.runs):
        key = keys[run % len(keys)]
        for figure, positions in starts.items():
            if key in positions:
                position = positions[key]
                page_cursor = position.cursor if position else None
                timings[figure].service_ms.append(elapsed_ms(partial(service_page, key, page_cursor)))
                timings[figure].baseline_ms.append(elapsed_ms(partial(baseline_page, key, position)))
    for figure, timing in timings.items():
        if timing.service_ms:
            print(timing.line(names[figure], deals), flush=True)

    # The plans: service and baseline must both walk the partial expression index of the field.
    key = keys[0]
    for figure, positions in starts.items():
        if key not in positions:
            continue
        position = positions[key]
        with CaptureQueriesContext(connection) as captured:
            service_page(key, position.cursor if position else None)
        service_sql = captured.captured_queries[-1]["sql"]
        if position is None:
            note(f"# service SQL: {service_sql}")
        for side, plan in (("service", explain(service_sql)), ("baseline", explain(*baseline_query(key, position)))):
            uses = region.index_name in plan
            note(f"# plan ({names[figure]}, {side}) uses {region.index_name}: {'yes' if uses else 'NO'}")
            note("\n".join(f"#   {line}" for line in plan.splitlines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
