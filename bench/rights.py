"""Rights benchmark: a list page and a kanban's per-stage totals through ``visible_to`` at N deals.

    uv run python bench/rights.py [--n 1000000] [--database-url URL] [--runs 50] [--reuse]

A company of 200 departments in a 4-level tree and 2,000 users owns the deals. For a manager (own
items), a head of a 3rd-level department (the department with its sub-departments) and an
administrator (all), it times the list page and the kanban totals through the rights scope, next to
the same call with no rights involved (the baseline). Prints one line per figure (see
bench/README.md); progress, plans and notes go to stderr.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

# The helpers shared with the items benchmark (this directory is on sys.path when run as a script).
from items import (
    Timings,
    create_database_if_missing,
    elapsed_ms,
    explain,
    migrate,
    note,
    recreate_database,
    setup_django,
)

if TYPE_CHECKING:
    from voronka.accounts.models import Department, User
    from voronka.entities.models import Pipeline
    from voronka.entities.schema import TypeSchema

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/voronka_bench_rights"
PAGE = 50
# Departments per level of the tree: 1 + 6 + 30 + 163 = 200; each level spread evenly over the one above.
LEVELS = (1, 6, 30, 163)
USERS = 2000
WARM_UP = 3  # untimed runs of every figure first: caches, connections, the plan cache
ROLES = ("manager", "head", "admin")


@dataclass(frozen=True)
class Company:
    """Who the figures are measured for."""

    manager: User  # a plain member of a 4th-level department: own items
    head: User  # the head of a 3rd-level department: that department and the ones below
    admin: User  # an administrator: everything
    head_department: Department


# ----------------------------------------------------------------------------------------------
# The company: departments, users, memberships and roles, in bulk
# ----------------------------------------------------------------------------------------------


def create_company() -> None:
    """200 departments in a 4-level tree, 2,000 users (10 per department, the first one heading it).

    Written in bulk, not through the services (2,200 service calls would dominate the set-up), but in
    the form the services store: paths of zero-padded ids, heads among the members, the default roles
    ("manager" for the whole company through the root department, "head" for every head) and a new
    rights version. The root's head is the administrator.
    """
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from voronka.accounts.models import Department, DepartmentMembership, User
    from voronka.accounts.services import _path_for
    from voronka.rights.access import bump_rights_version
    from voronka.rights.defaults import ensure_default_roles
    from voronka.rights.models import RoleAssignment

    members_each = USERS // sum(LEVELS)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username="admin" if number == 0 else f"user{number:04d}",
                    first_name=f"User{number:04d}",
                    last_name="Bench",
                    email=f"user{number:04d}@example.com",
                    is_administrator=number == 0,
                    password=make_password(None),  # unusable: these people exist to own data
                )
                for number in range(USERS)
            ]
        )
        departments: list[Department] = []
        parents: list[Department | None] = [None]
        for depth, count in enumerate(LEVELS, start=1):
            level = [
                Department(
                    name=f"Отдел {depth}.{index + 1}",
                    parent=parents[index % len(parents)],
                    head=users[(len(departments) + index) * members_each],
                )
                for index in range(count)
            ]
            Department.objects.bulk_create(level)
            for department in level:
                department.path = _path_for(department.pk, department.parent)
            Department.objects.bulk_update(level, ["path"])
            departments.extend(level)
            parents = list(level)
        DepartmentMembership.objects.bulk_create(
            [
                DepartmentMembership(department=department, user=user)
                for index, department in enumerate(departments)
                for user in users[index * members_each : (index + 1) * members_each]
            ]
        )
        roles = ensure_default_roles()
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(role=roles["manager"], department=departments[0])]
            + [RoleAssignment(role=roles["head"], user_id=d.head_id) for d in departments[1:]]
        )
        bump_rights_version()
    note(f"# created {len(departments)} departments in {len(LEVELS)} levels and {len(users)} users")


def company_ready() -> bool:
    from voronka.accounts.models import Department, User

    return Department.objects.count() == sum(LEVELS) and User.objects.count() == USERS


def pick_company(deal_counts: dict[int, int]) -> Company:
    """The manager with the median number of deals among plain members; the head of the 3rd-level
    department with the most sub-departments (the widest such scope); the administrator."""
    from voronka.accounts.models import Department, DepartmentMembership, User

    departments = list(Department.objects.all())
    head_ids = {d.head_id for d in departments if d.head_id is not None}
    # ``depth`` counts from 0 at the root: the 4th level is depth 3, the 3rd level depth 2.
    leaves = [d.pk for d in departments if d.depth == len(LEVELS) - 1]
    plain = DepartmentMembership.objects.filter(department_id__in=leaves).exclude(user_id__in=head_ids)
    by_count = sorted(plain.values_list("user_id", flat=True), key=lambda pk: (deal_counts.get(pk, 0), pk))
    manager = User.objects.get(pk=by_count[len(by_count) // 2])
    third = [d for d in departments if d.depth == 2]
    children = {d.pk: d.children.count() for d in third}
    head_department = max(third, key=lambda d: (children[d.pk], -d.pk))
    assert head_department.head is not None
    admin = User.objects.get(username="admin", is_administrator=True)
    return Company(manager=manager, head=head_department.head, admin=admin, head_department=head_department)


# ----------------------------------------------------------------------------------------------
# The figures
# ----------------------------------------------------------------------------------------------


def list_page(user: User | None, schema: TypeSchema) -> list[dict[str, Any]]:
    from voronka.entities.query import list_items
    from voronka.entities.serialize import item_to_dict

    page = list_items(user, schema, sort="-modified_at", limit=PAGE)
    return [item_to_dict(item, schema) for item in page.items]


def kanban(user: User | None, schema: TypeSchema, pipeline: Pipeline) -> list[Any]:
    from voronka.entities.totals import stage_totals

    return stage_totals(user, schema, pipeline)


def fresh(user: User) -> User:
    """The user as a request sees it: a new instance, so the policy is loaded as in every request."""
    from voronka.accounts.models import User

    return User.objects.get(pk=user.pk)


def timed_in_turn(actions: list[Callable[[], object]], run: int) -> list[float]:
    """Time each action once, starting with a different one each run, so that none of them always finds
    the caches warmed (or the machine busied) by another; the times come back in the actions' order."""
    shift = run % len(actions)
    order = list(range(shift, len(actions))) + list(range(shift))
    times = dict.fromkeys(order, 0.0)
    for index in order:
        times[index] = elapsed_ms(actions[index])
    return [times[index] for index in range(len(actions))]


def scoped_sql(action: Callable[[], object]) -> tuple[str, int]:
    """The last item query ``action`` runs, and how many queries it runs in all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        action()
    item_queries = [q["sql"] for q in captured.captured_queries if 'FROM "entities_item"' in q["sql"]]
    return item_queries[-1], len(captured.captured_queries)


SCAN = re.compile(r"(?:->\s+)?((?:Parallel )?(?:Bitmap Heap|Index Only|Index|Seq) Scan.*? on entities_item)(?!\w)")
ACTUAL = re.compile(r"actual time=[0-9.]+\.\.[0-9.]+ rows=(\d+) loops=(\d+)")
REMOVED = re.compile(r"Rows Removed by (?:Filter|Index Recheck): (\d+)")


def read_scans(plan: str) -> tuple[str, int]:
    """The scans of the item table in ``plan`` and the rows they read (returned + filtered out, all loops)."""
    scans: list[str] = []
    rows_read = 0
    loops = 1
    for line in plan.splitlines():
        scan = SCAN.search(line)
        if scan is not None:
            scans.append(scan.group(1))
            actual = ACTUAL.search(line)
            if actual is not None:
                loops = int(actual.group(2))
                rows_read += int(actual.group(1)) * loops
        elif scans and (removed := REMOVED.search(line)) is not None:
            rows_read += int(removed.group(1)) * loops  # per loop in the plan, like the rows
    return "; ".join(scans) or "no scan of entities_item", rows_read


def index_names() -> dict[str, str]:
    """Index name by its column list, e.g. ``"created_by_id"`` -> ``entities_item_created_by_id_...``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, array_to_string(array_agg(a.attname ORDER BY k.n), ',') "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
            "WHERE x.indrelid = 'entities_item'::regclass GROUP BY i.relname"
        )
        return {columns: name for name, columns in cursor.fetchall()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="number of deals (default 1000000)")
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"PostgreSQL database (default {DEFAULT_URL})")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per figure (default 50)")
    parser.add_argument("--reuse", action="store_true", help="skip generation if the database has >= n deals")
    parser.add_argument("--batch", type=int, default=5000, help="items per generation transaction")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL: the targets are PostgreSQL figures")

    create_database_if_missing(args.database_url)
    setup_django(args.database_url)
    migrate()

    from django.db import connection, connections
    from django.db.models import Count, Q

    from voronka.accounts.models import DepartmentMembership, User
    from voronka.demo.bulk import generate_deals
    from voronka.entities.models import Item
    from voronka.entities.schema import get_entity_type, schema_for
    from voronka.rights.access import policy_for

    deal_type = get_entity_type("deal")
    deals = Item.objects.filter(entity_type=deal_type).count()
    if args.reuse and deals >= args.n and company_ready():
        note(f"# reusing {deals} deals")
    else:
        if Item.objects.exists() or User.objects.exists():
            connections.close_all()
            recreate_database(args.database_url)
            migrate()
        create_company()
        owners = list(User.objects.order_by("pk").values_list("pk", flat=True))
        result = generate_deals(args.n, batch=args.batch, seed=42, out=sys.stderr, owners=owners)
        deals = result.deals
    with connection.cursor() as cursor:
        # A settled table, as autovacuum leaves it: hint bits and the visibility map set, fresh statistics.
        cursor.execute('VACUUM (ANALYZE) "entities_item"')
        cursor.execute("SELECT version()")
        note(f"# {cursor.fetchone()[0]}")

    deal_type = get_entity_type("deal")
    schema = schema_for(deal_type)
    pipeline = schema.default_pipeline
    assert pipeline is not None
    deal_counts = dict(
        Item.objects.filter(entity_type=deal_type)
        .order_by()
        .values_list("responsible_id")
        .annotate(count=Count("id"))
        .values_list("responsible_id", "count")
    )
    company = pick_company(deal_counts)
    users = {"manager": company.manager, "head": company.head, "admin": company.admin}
    subtree = set(
        DepartmentMembership.objects.filter(department__path__startswith=company.head_department.path).values_list(
            "user_id", flat=True
        )
    )
    deals_of_type = Item.objects.filter(entity_type=deal_type)
    expected = {
        "manager": deals_of_type.filter(Q(responsible=company.manager) | Q(created_by=company.manager)).count(),
        "head": deals_of_type.filter(
            Q(responsible_id__in=subtree) | Q(responsible=company.head) | Q(created_by=company.head)
        ).count(),
        "admin": deals,
    }
    note(
        f"# manager {company.manager.username}, head {company.head.username} of '{company.head_department.name}' "
        f"({company.head_department.children.count()} sub-departments, {len(subtree)} people), admin "
        f"{company.admin.username}"
    )
    for role, user in users.items():
        visible = Item.objects.visible_to(fresh(user), "read", deal_type).filter(entity_type=deal_type).count()
        verdict = "ok" if visible == expected[role] else "WRONG"
        note(f"# {role} sees {visible} deals (expected {expected[role]}): {verdict}")

    figures: dict[str, Callable[[User | None], object]] = {
        "list": partial(list_page, schema=schema),
        "kanban": partial(kanban, schema=schema, pipeline=pipeline),
    }
    timings = {(figure, role): Timings([], []) for figure in figures for role in ROLES}
    # The same call for a user whose policy is already cached on the instance (one version query):
    # what the rights cost once the policy is loaded. A note, not a figure.
    cached_ms: dict[tuple[str, str], list[float]] = {key: [] for key in timings}
    cached_users = {role: fresh(user) for role, user in users.items()}
    policy_ms: dict[str, list[float]] = {role: [] for role in ROLES}
    for run in range(WARM_UP + args.runs):
        for figure, action in figures.items():
            for role in ROLES:
                request_user = fresh(users[role])  # outside the timer: authentication is not a rights cost
                samples = timed_in_turn(
                    [partial(action, request_user), partial(action, None), partial(action, cached_users[role])], run
                )
                if run >= WARM_UP:
                    timings[(figure, role)].service_ms.append(samples[0])
                    timings[(figure, role)].baseline_ms.append(samples[1])
                    cached_ms[(figure, role)].append(samples[2])
        for role in ROLES:
            request_user = fresh(users[role])
            load_ms = elapsed_ms(partial(policy_for, request_user))
            if run >= WARM_UP:
                policy_ms[role].append(load_ms)
        if run == WARM_UP - 1:
            note("# warmed up")
        elif (run + 1 - WARM_UP) % 10 == 0:
            note(f"# run {run + 1 - WARM_UP}/{args.runs}")
    for figure in figures:
        for role in ROLES:
            print(timings[(figure, role)].line(f"rights_{figure}_{role}", deals), flush=True)
    for figure in figures:
        for role in ROLES:
            cached = Timings(cached_ms[(figure, role)], timings[(figure, role)].baseline_ms)
            note(f"# policy already cached: {cached.line(f'rights_{figure}_{role}', deals)}")
    for role in ROLES:
        median = statistics.median(policy_ms[role])
        note(f"# policy load (version query + load_policy) for a fresh {role}: median {median:.2f} ms")
    for figure in figures:
        admin_ms = statistics.median(timings[(figure, "admin")].service_ms)
        for role in ("manager", "head"):
            role_ms = statistics.median(timings[(figure, role)].service_ms)
            against = f"the admin's request ({admin_ms:.2f} ms)"
            note(f"# rights_{figure}_{role} against {against}: ratio {role_ms / admin_ms:.2f}")

    # The plans: which scans the scoped queries run, and how many rows they read for what they find.
    indexes = index_names()
    created_by_index = indexes.get("created_by_id", "created_by_id index")
    expected_indexes = {"manager": ["item_responsible_idx", created_by_index], "head": [], "admin": []}
    for figure, action in figures.items():
        for role in ROLES:
            sql, queries = scoped_sql(partial(action, fresh(users[role])))
            name = f"rights_{figure}_{role}"
            note(f"# {name}: {queries} queries per call; SQL: {sql[:600]}{' ...' if len(sql) > 600 else ''}")
            plan = explain(sql)
            for index in expected_indexes[role]:
                note(f"# plan ({name}) uses {index}: {'yes' if index in plan else 'NO'}")
            scans, rows_read = read_scans(plan)
            unit = "index entries" if "Index Only" in scans else "rows"
            note(
                f"# plan ({name}) reads {rows_read} {unit} of entities_item for {expected[role]} visible deals: {scans}"
            )
            note("\n".join(f"#   {line}" for line in plan.splitlines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
