"""The SQL scope and the per-item decision agree, for random company trees, roles, grants and items."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import People, api_client
from voronka.accounts.models import User
from voronka.accounts.services import do_create_department, do_create_user, do_set_department_members
from voronka.entities.models import Item
from voronka.entities.query import list_items
from voronka.entities.schema import get_entity_type, schema_for
from voronka.entities.serialize import item_to_dict
from voronka.entities.services.items import do_create_item
from voronka.entities.totals import stage_totals
from voronka.rights.access import forget_policies, hidden_fields
from voronka.rights.models import Action, Level, Role
from voronka.rights.policy import load_policy
from voronka.rights.services import (
    do_assign_role,
    do_create_role,
    do_set_delegations,
    do_set_field_rules,
    do_set_grants,
)

LEVELS = list(Level.values)
ACTIONS = [Action.READ, Action.UPDATE, Action.DELETE, Action.MOVE_OUT, Action.EXPORT]


@st.composite
def companies(draw: Any) -> dict[str, Any]:
    departments = draw(st.integers(min_value=1, max_value=6))
    parents = [None] + [draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, departments)]
    users = draw(st.integers(min_value=2, max_value=6))
    memberships = [draw(st.sets(st.integers(0, departments - 1), max_size=2)) for _ in range(users)]
    heads = [draw(st.one_of(st.none(), st.integers(0, users - 1))) for _ in range(departments)]
    roles = draw(st.integers(min_value=1, max_value=3))
    grants = [
        draw(
            st.lists(
                st.tuples(
                    st.sampled_from(ACTIONS),
                    st.one_of(st.none(), st.sampled_from(["new", "preparation", "invoice", "won", "lost"])),
                    st.sampled_from(LEVELS),
                ),
                min_size=1,
                max_size=6,
                unique_by=lambda g: (g[0], g[1]),
            )
        )
        for _ in range(roles)
    ]
    # Most users get a role directly; some departments pass one on to their members and sub-departments.
    assignments = [
        (role, "user", index)
        for index in range(users)
        if (role := draw(st.one_of(st.none(), st.integers(0, roles - 1)), label=f"role of user {index}")) is not None
    ]
    assignments += draw(
        st.lists(
            st.tuples(st.integers(0, roles - 1), st.just("department"), st.integers(0, departments - 1)), max_size=3
        )
    )
    delegations = draw(st.lists(st.tuples(st.integers(0, users - 1), st.integers(0, users - 1)), max_size=2))
    items = draw(
        st.lists(
            st.tuples(st.integers(0, users - 1), st.sampled_from(["new", "preparation", "invoice", "won", "lost"])),
            min_size=1,
            max_size=12,
        )
    )
    return {
        "parents": parents,
        "memberships": memberships,
        "heads": heads,
        "grants": grants,
        "assignments": assignments,
        "delegations": delegations,
        "items": items,
    }


def _build(admin: User, company: dict[str, Any], tag: int) -> list[User]:
    users = [
        do_create_user(admin, {"username": f"u{tag}_{i}", "password": "long enough secret"})
        for i in range(len(company["memberships"]))
    ]
    departments = []
    for index, parent in enumerate(company["parents"]):
        head = company["heads"][index]
        departments.append(
            do_create_department(
                admin,
                {
                    "name": f"d{tag}_{index}",
                    "parent": departments[parent].pk if parent is not None else None,
                    "head": users[head].pk if head is not None else None,
                },
            )
        )
    for index, department in enumerate(departments):
        members = [users[u].pk for u, sets in enumerate(company["memberships"]) if index in sets]
        do_set_department_members(admin, department, members)
    roles = [do_create_role(admin, {"slug": f"r{tag}_{i}", "name_ru": f"r{i}"}) for i in range(len(company["grants"]))]
    for role, grants in zip(roles, company["grants"], strict=True):
        do_set_grants(
            admin,
            role,
            [{"type": "deal", "stage": stage, "action": action, "level": level} for action, stage, level in grants],
        )
    for role_index, kind, target in company["assignments"]:
        pool = users if kind == "user" else departments
        do_assign_role(admin, roles[role_index], {kind: pool[target % len(pool)].pk})
    for user_index, source_index in company["delegations"]:
        if user_index != source_index:
            do_set_delegations(admin, users[user_index], [users[source_index].pk])
    deal = get_entity_type("deal")
    for index, (responsible, stage) in enumerate(company["items"]):
        values = {"responsible": users[responsible].pk, "stage": stage, "title": "x", "amount": 100 + index}
        do_create_item(None, deal, values)
    return users


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(company=companies(), action=st.sampled_from(ACTIONS))
def test_sql_scope_matches_per_item_decision(people: People, company: dict[str, Any], action: str) -> None:
    deal = get_entity_type("deal")
    schema_for(deal)
    savepoint = transaction.savepoint()
    try:
        users = _build(people.admin, company, len(company["items"]) * 1000 + len(company["parents"]))
        items = list(Item.objects.filter(entity_type=deal).select_related("entity_type"))
        for user in users:
            policy = load_policy(User.objects.get(pk=user.pk))
            condition = policy.scope_q(deal, action)
            scoped = Item.objects.filter(entity_type=deal)
            if condition is not None:
                scoped = scoped.filter(condition)
            expected = {item.pk for item in items if policy.decide(item, action).allowed}
            assert set(scoped.values_list("pk", flat=True)) == expected
    finally:
        transaction.savepoint_rollback(savepoint)
        forget_policies()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(company=companies(), hide_amount_for=st.sets(st.integers(0, 2), max_size=3), page_size=st.integers(1, 5))
def test_every_read_path_returns_exactly_the_allowed_items(
    people: People, company: dict[str, Any], hide_amount_for: set[int], page_size: int
) -> None:
    """Lists (every page), kanban counts and sums, search, get and export against the per-item check."""
    deal = get_entity_type("deal")
    schema = schema_for(deal)
    pipeline = schema.default_pipeline
    assert pipeline is not None
    savepoint = transaction.savepoint()
    try:
        tag = 50_000 + len(company["items"]) * 100 + len(company["parents"])
        users = _build(people.admin, company, tag)
        for role_index in hide_amount_for:
            role = Role.objects.filter(slug=f"r{tag}_{role_index}").first()
            if role is not None:
                do_set_field_rules(people.admin, role, [{"type": "deal", "field": "amount", "access": "hidden"}])
        items = list(Item.objects.filter(entity_type=deal).select_related("entity_type"))
        for user in users:
            fresh = User.objects.get(pk=user.pk)
            policy = load_policy(fresh)
            readable = {item.pk for item in items if policy.decide(item, "read").allowed}
            exportable = {item.pk for item in items if policy.decide(item, "export").allowed}
            hidden = hidden_fields(fresh, deal)
            assert ("amount" in hidden) == (
                bool(policy.field_access(deal)) and policy.field_access(deal).get("amount") == "hidden"
            )
            # The list, walked page by page.
            seen: list[int] = []
            cursor = None
            while True:
                page = list_items(fresh, schema, sort="-modified_at", cursor=cursor, limit=page_size)
                seen += [item.pk for item in page.items]
                for item in page.items:
                    assert ("amount" in item_to_dict(item, schema, hidden=hidden)) == ("amount" not in hidden)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
            assert len(seen) == len(set(seen))
            assert set(seen) == readable
            # Search over titles ("x" is every generated title).
            found = list_items(fresh, schema, search="x", limit=200).items
            assert {item.pk for item in found} == readable
            # Kanban counts and sums.
            totals = {t.stage: t for t in stage_totals(fresh, schema, pipeline, hidden=hidden)}
            for stage in schema.stages_by_pipeline[pipeline.pk]:
                in_stage = [item for item in items if item.pk in readable and item.stage_id == stage.pk]
                assert totals[stage.slug].count == len(in_stage)
                if "amount" in hidden:
                    assert totals[stage.slug].amount is None
                else:
                    assert totals[stage.slug].amount == sum((i.amount or Decimal(0) for i in in_stage), Decimal(0))
            # The API: the list and each card.
            client = api_client(fresh)
            listed = client.get("/api/v1/types/deal/items?limit=200").json()["items"]
            assert {row["id"] for row in listed} == readable
            assert all(("amount" in row) == ("amount" not in hidden) for row in listed)
            for item in items:
                status = client.get(f"/api/v1/types/deal/items/{item.pk}").status_code
                assert status == (200 if item.pk in readable else 404)
            # One by one.
            for item in items:
                assert Item.objects.visible_to(fresh, "read", deal).filter(pk=item.pk).exists() == (item.pk in readable)
            assert set(Item.objects.visible_to(fresh, "export", deal).values_list("pk", flat=True)) == exportable
    finally:
        transaction.savepoint_rollback(savepoint)
        forget_policies()
