"""Item lists: filters on system and custom fields, sorting, keyset cursors, field selection, query counts."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from tests.entities.fieldcases import PROPERTY_SETTINGS, problems_of
from tests.factories import People, api_client, make_field, make_item
from voronka.entities.models import Item

ITEMS = "/api/v1/types/deal/items"


@dataclass
class Deals:
    people: People
    by_title: dict[str, Item]
    companies: list[Item]

    def ids(self) -> dict[str, Any]:
        return {title: item.pk for title, item in self.by_title.items()} | {
            "anna": self.people.anna.pk,
            "boris": self.people.boris.pk,
            "company1": self.companies[0].pk,
            "company2": self.companies[1].pk,
        }


def make_filterable_fields(people: People) -> None:
    make_field(people.admin, "deal", "weight", "number", filterable=True)
    make_field(people.admin, "deal", "region", "string", filterable=True)
    make_field(people.admin, "deal", "due", "date", filterable=True)
    make_field(people.admin, "deal", "urgent", "boolean", filterable=True)
    make_field(people.admin, "deal", "manager", "user", filterable=True)
    make_field(people.admin, "deal", "kind", "list", filterable=True, options=["a", "b", "c"])
    make_field(people.admin, "deal", "partner", "link", filterable=True, link_type="company")
    make_field(people.admin, "deal", "budget", "money", filterable=True)


@pytest.fixture
def deals(people: People) -> Deals:
    make_filterable_fields(people)
    companies = [make_item(people.anna, "company", title="One"), make_item(people.anna, "company", title="Two")]
    anna, boris = people.anna.pk, people.boris.pk
    rows: list[dict[str, Any]] = [
        {
            "title": "alpha",
            "amount": 100,
            "weight": 5,
            "region": "north",
            "due": "2024-01-10",
            "urgent": True,
            "manager": boris,
            "kind": "a",
            "partner": companies[0].pk,
            "budget": {"amount": 50, "currency": "RUB"},
        },
        {
            "title": "bravo",
            "amount": "250.50",
            "currency": "USD",
            "stage": "preparation",
            "weight": 10,
            "region": "south",
            "due": "2024-02-01",
            "urgent": False,
            "manager": anna,
            "kind": "b",
            "partner": companies[1].pk,
            "budget": {"amount": 500, "currency": "RUB"},
        },
        {"title": "charlie", "stage": "won", "responsible": boris, "weight": 2.5, "region": "north"},
        {
            "title": "delta",
            "amount": 0,
            "stage": "lost",
            "responsible": boris,
            "region": "Northwest",
            "due": "2024-03-15",
            "urgent": True,
            "manager": boris,
            "kind": "c",
            "partner": companies[0].pk,
        },
        {
            "title": "echo",
            "amount": 1000,
            "currency": "EUR",
            "weight": 100,
            "due": "2023-12-31",
            "urgent": False,
            "kind": "a",
            "budget": {"amount": 5, "currency": "USD"},
        },
    ]
    by_title = {row["title"]: make_item(people.anna, "deal", **row) for row in rows}
    return Deals(people=people, by_title=by_title, companies=companies)


@pytest.fixture
def anna(people: People) -> Client:
    return api_client(people.anna)


ALL = {"alpha", "bravo", "charlie", "delta", "echo"}
FILTERS: list[tuple[str, set[str]]] = [
    # system fields
    ("id={alpha}", {"alpha"}),
    ("id__ne={alpha}", ALL - {"alpha"}),
    ("id__in={alpha},{echo}", {"alpha", "echo"}),
    ("id__gt={charlie}", {"delta", "echo"}),
    ("id__gte={charlie}", {"charlie", "delta", "echo"}),
    ("id__lt={charlie}", {"alpha", "bravo"}),
    ("id__lte={charlie}", {"alpha", "bravo", "charlie"}),
    ("title=bravo", {"bravo"}),
    ("title__contains=HA", {"alpha", "charlie"}),
    ("title__ne=alpha", ALL - {"alpha"}),
    ("title__in=alpha,echo", {"alpha", "echo"}),
    ("title__lt=c", {"alpha", "bravo"}),
    ("title__gte=d", {"delta", "echo"}),
    ("pipeline=default", ALL),
    ("stage=new", {"alpha", "echo"}),
    ("stage__in=won,lost", {"charlie", "delta"}),
    ("stage__ne=new", {"bravo", "charlie", "delta"}),
    ("responsible={boris}", {"charlie", "delta"}),
    ("responsible__ne={boris}", {"alpha", "bravo", "echo"}),
    ("responsible__in={anna},{boris}", ALL),
    ("created_by={anna}", ALL),
    ("modified_by={boris}", set()),
    ("created_at__gte=2000-01-01", ALL),
    ("created_at__lt=2000-01-01T00:00:00Z", set()),
    ("modified_at__isnull=false", ALL),
    ("closed=true", {"charlie", "delta"}),
    ("closed=false", {"alpha", "bravo", "echo"}),
    ("amount=0", {"delta"}),
    ("amount__gt=100", {"bravo", "echo"}),
    ("amount__lte=100", {"alpha", "delta"}),
    ("amount__in=100,1000", {"alpha", "echo"}),
    ("amount__ne=100", {"bravo", "charlie", "delta", "echo"}),
    ("amount__isnull=true", {"charlie"}),
    ("currency=USD", {"bravo"}),
    ("currency__in=RUB,EUR", {"alpha", "delta", "echo"}),
    ("q=RAV", {"bravo"}),
    # a filterable number
    ("weight=5", {"alpha"}),
    ("weight=2,5", {"charlie"}),
    ("weight__ne=5", {"bravo", "charlie", "delta", "echo"}),
    ("weight__gt=5", {"bravo", "echo"}),
    ("weight__gte=5", {"alpha", "bravo", "echo"}),
    ("weight__lt=5", {"charlie"}),
    ("weight__lte=2.5", {"charlie"}),
    ("weight__in=5,100", {"alpha", "echo"}),
    ("weight__isnull=true", {"delta"}),
    ("weight__isnull=false", ALL - {"delta"}),
    # a filterable string
    ("region=north", {"alpha", "charlie"}),
    ("region__contains=NORTH", {"alpha", "charlie", "delta"}),
    ("region__ne=north", {"bravo", "delta", "echo"}),
    ("region__in=north,south", {"alpha", "bravo", "charlie"}),
    ("region__lt=o", {"alpha", "charlie", "delta"}),
    ("region__isnull=true", {"echo"}),
    # a filterable date
    ("due=2024-02-01", {"bravo"}),
    ("due__gte=2024-01-01", {"alpha", "bravo", "delta"}),
    ("due__lt=2024-01-01", {"echo"}),
    ("due__isnull=true", {"charlie"}),
    # a filterable yes/no
    ("urgent=true", {"alpha", "delta"}),
    ("urgent=false", {"bravo", "echo"}),
    ("urgent__ne=true", {"bravo", "charlie", "echo"}),
    ("urgent__isnull=true", {"charlie"}),
    # a filterable user, list, link, money
    ("manager={boris}", {"alpha", "delta"}),
    ("manager__ne={boris}", {"bravo", "charlie", "echo"}),
    ("manager__in={anna},{boris}", {"alpha", "bravo", "delta"}),
    ("manager__isnull=true", {"charlie", "echo"}),
    ("kind=a", {"alpha", "echo"}),
    ("kind__in=b,c", {"bravo", "delta"}),
    ("kind__ne=a", {"bravo", "charlie", "delta"}),
    ("partner={company1}", {"alpha", "delta"}),
    ("partner__in={company1},{company2}", {"alpha", "bravo", "delta"}),
    ("budget__gte=50", {"alpha", "bravo"}),
    ("budget__lt=50", {"echo"}),
    # several filters at once are ANDed
    ("stage=new&weight__gt=5", {"echo"}),
    ("closed=true&region=north", {"charlie"}),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[query for query, _ in FILTERS])
def test_filter_selects_exactly_the_matching_items(anna: Client, deals: Deals, query: str, expected: set[str]) -> None:
    response = anna.get(f"{ITEMS}?limit=200&{query.format(**deals.ids())}")

    assert response.status_code == 200, response.content
    assert {row["title"] for row in response.json()["items"]} == expected


BAD_QUERIES: list[tuple[str, list[tuple[str | None, str]]]] = [
    ("colour=red", [("colour", "unknown_field")]),
    ("comments=x", [("comments", "not_filterable")]),
    ("weight__near=5", [("weight__near", "unknown_operator")]),
    ("weight=heavy", [("weight", "invalid_filter_value")]),
    ("weight__in=1,x", [("weight__in", "invalid_filter_value")]),
    ("amount=NaN", [("amount", "invalid_filter_value")]),
    ("amount__gt=1e999999", [("amount__gt", "invalid_filter_value")]),
    ("weight__gt=1e999999", [("weight__gt", "invalid_filter_value")]),
    ("id=abc", [("id", "invalid_filter_value")]),
    ("closed=maybe", [("closed", "invalid_filter_value")]),
    ("closed__isnull=perhaps", [("closed__isnull", "invalid_filter_value")]),
    ("created_at__gt=yesterday", [("created_at__gt", "invalid_filter_value")]),
    ("created_at__gt=2024-02-30", [("created_at__gt", "invalid_filter_value")]),
    ("created_at__gt=9999-12-31T23:59:59-23:59", [("created_at__gt", "invalid_filter_value")]),
    ("created_at__lt=0001-01-01T00:00:00%2B01:00", [("created_at__lt", "invalid_filter_value")]),
    ("due=2024-13-01", [("due", "invalid_filter_value")]),
    ("manager=anna", [("manager", "invalid_filter_value")]),
    ("stage=nowhere", [("stage", "not_found")]),
    ("pipeline=nowhere", [("pipeline", "not_found")]),
    ("pipeline=%C2%B2", [("pipeline", "not_found")]),
    ("title=%00", [("title", "invalid_filter_value")]),
    ("region__contains=a%00b", [("region__contains", "invalid_filter_value")]),
    ("q=%00", [("q", "invalid_filter_value")]),
    ("title=a&title=b", [("title", "repeated_filter")]),
    ("colour=red&weight=heavy", [("colour", "unknown_field"), ("weight", "invalid_filter_value")]),
    ("limit=201", [("limit", "out_of_range")]),
    ("limit=0", [("limit", "out_of_range")]),
    ("limit=ten", [("limit", "wrong_type")]),
    ("sort=comments", [("sort", "not_sortable")]),
    ("sort=colour", [("sort", "not_sortable")]),
    ("fields=title,colour", [("fields", "unknown_field")]),
    ("cursor=garbage", [("cursor", "invalid_cursor")]),
    ("cursor=%00", [("cursor", "invalid_cursor")]),
]


@pytest.mark.parametrize(("query", "expected"), BAD_QUERIES, ids=[query for query, _ in BAD_QUERIES])
def test_unusable_query_is_a_422_naming_the_parameter(
    anna: Client, deals: Deals, query: str, expected: list[tuple[str | None, str]]
) -> None:
    response = anna.get(f"{ITEMS}?{query}")

    assert response.status_code == 422, response.content
    assert problems_of(response.json()) == expected


def test_ids_beyond_any_row_are_refused_as_values(anna: Client, deals: Deals) -> None:
    huge = "99999999999999999999999"
    queries = [f"id={huge}", f"id__in=1,{huge}", f"id__gt={huge}", f"id__lt=-{huge}", f"responsible={huge}"]

    answers = [anna.get(f"{ITEMS}?{query}") for query in queries]

    assert [(answer.status_code, problems_of(answer.json())[0][1]) for answer in answers] == [
        (422, "invalid_filter_value")
    ] * len(queries)


def cursor_of(raw: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "forged"),
    [
        ("-modified_at", ["-modified_at", 5, 1]),
        ("-modified_at", ["-modified_at", "not a time", 1]),
        ("-modified_at", ["-modified_at", "2024-13-45T00:00:00", 1]),
        ("-modified_at", ["-modified_at", "2024-01-01T00:00:00Z", "1"]),
        ("-modified_at", ["-modified_at", "2024-01-01T00:00:00Z", 2**70]),
        ("-modified_at", ["-modified_at", "2024-01-01T00:00:00Z"]),
        ("-modified_at", {"sort": "-modified_at"}),
        ("amount", ["amount", ["a list"], 1]),
        ("amount", ["amount", "lots", 1]),
        ("amount", ["amount", "1e999999", 1]),
        ("id", ["id", "abc", 1]),
        ("title", ["title", {"a": 1}, 1]),
        ("title", ["title", "nul\u0000", 1]),
        ("weight", ["weight", "heavy", 1]),
        ("weight", ["weight", [1], 1]),
        ("region", ["region", 5, 1]),
        ("-modified_at", ["title", "alpha", 1]),
    ],
)
def test_a_forged_or_foreign_cursor_is_a_422(anna: Client, deals: Deals, sort: str, forged: Any) -> None:
    response = anna.get(f"{ITEMS}?sort={sort}&cursor={cursor_of(forged)}")

    assert response.status_code == 422, response.content
    assert problems_of(response.json()) == [("cursor", "invalid_cursor")]


def test_field_selection_returns_only_the_named_fields_and_the_id(anna: Client, deals: Deals) -> None:
    response = anna.get(f"{ITEMS}?fields=title,weight,stage&sort=title&limit=2")

    assert response.json()["items"] == [
        {"id": deals.by_title["alpha"].pk, "title": "alpha", "weight": 5, "stage": "new"},
        {"id": deals.by_title["bravo"].pk, "title": "bravo", "weight": 10, "stage": "preparation"},
    ]


def test_a_list_answers_items_and_a_cursor_with_the_contract_names(anna: Client, deals: Deals) -> None:
    body = anna.get(f"{ITEMS}?limit=2&sort=title").json()

    assert set(body) == {"items", "next_cursor"}
    assert isinstance(body["next_cursor"], str)
    assert set(body["items"][0]) >= {
        "id",
        "title",
        "pipeline",
        "stage",
        "responsible",
        "amount",
        "currency",
        "created_by",
        "created_at",
        "modified_by",
        "modified_at",
        "closed",
        "weight",
        "region",
        "comments",
    }


# Sorts whose order is the same on every database (user and link ids sort as text on PostgreSQL).
ORDERED_SORTS: dict[str, Callable[[Item], Any]] = {
    "id": lambda item: item.pk,
    "title": lambda item: item.title,
    "created_at": lambda item: item.created_at,
    "modified_at": lambda item: item.modified_at,
    "amount": lambda item: item.amount,
    "weight": lambda item: item.data.get("weight"),
    "region": lambda item: item.data.get("region"),
    "due": lambda item: item.data.get("due"),
    "urgent": lambda item: item.data.get("urgent"),
    "budget": lambda item: (item.data.get("budget") or {}).get("amount"),
}


def expected_order(items: list[Item], key: Callable[[Item], Any], descending: bool) -> list[int]:
    """Values in order, ties by id in the same direction, empty values last either way."""
    present = sorted(
        (item for item in items if key(item) is not None), key=lambda i: (key(i), i.pk), reverse=descending
    )
    missing = sorted((item for item in items if key(item) is None), key=lambda i: i.pk, reverse=descending)
    return [item.pk for item in present + missing]


def walk(client: Client, query: str) -> tuple[list[int], int]:
    """Every id of every page of a list, in order, and the number of pages."""
    ids: list[int] = []
    pages = 0
    url: str | None = f"{ITEMS}?{query}"
    while url is not None and pages <= 100:  # a cursor that never ends is a failure, not a hang
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [row["id"] for row in body["items"]]
        pages += 1
        url = f"{ITEMS}?{query}&cursor={body['next_cursor']}" if body["next_cursor"] else None
    return ids, pages


@pytest.mark.parametrize("page_size", [1, 2, 3, 200])
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("sort", ORDERED_SORTS)
def test_cursor_pages_walk_every_item_once_in_sort_order(
    anna: Client, deals: Deals, sort: str, descending: bool, page_size: int
) -> None:
    make_item(deals.people.anna, "deal", title="alpha", amount=100, weight=5, region="north", urgent=True)  # ties
    items = list(Item.objects.filter(entity_type__slug="deal"))
    sort_param = f"-{sort}" if descending else sort

    ids, pages = walk(anna, f"sort={sort_param}&limit={page_size}")

    assert ids == expected_order(items, ORDERED_SORTS[sort], descending)
    assert pages == -(-len(items) // page_size)


@pytest.mark.parametrize("sort", ["manager", "-manager", "partner", "-partner", "kind", "-kind"])
def test_cursor_pages_on_any_filterable_field_lose_and_repeat_nothing(anna: Client, deals: Deals, sort: str) -> None:
    ids, _pages = walk(anna, f"sort={sort}&limit=2")

    assert sorted(ids) == sorted(item.pk for item in deals.by_title.values())


def test_filters_and_cursors_combine(anna: Client, deals: Deals) -> None:
    ids, pages = walk(anna, "sort=-weight&limit=1&weight__isnull=false&closed=false")

    assert ids == [deals.by_title[title].pk for title in ("echo", "bravo", "alpha")]
    assert pages == 3


deal_rows = st.lists(
    st.fixed_dictionaries(
        {
            "title": st.text("abc", min_size=1, max_size=2),
            "amount": st.none() | st.integers(-3, 3),
            "weight": st.none() | st.sampled_from([-1.5, 0, 1, 2.25, 7]),
            "region": st.none() | st.text("xyz", min_size=1, max_size=2),
        }
    ),
    max_size=12,
)


@PROPERTY_SETTINGS
@given(
    rows=deal_rows,
    sort=st.sampled_from(["id", "title", "created_at", "modified_at", "amount", "weight", "region"]),
    descending=st.booleans(),
    page_size=st.integers(1, 5),
)
def test_any_data_any_sort_any_page_size_walks_in_order(
    people: People, anna: Client, rows: list[dict[str, Any]], sort: str, descending: bool, page_size: int
) -> None:
    with transaction.atomic():  # each example starts from the same empty list
        make_field(people.admin, "deal", "weight", "number", filterable=True)
        make_field(people.admin, "deal", "region", "string", filterable=True)
        for row in rows:
            make_item(people.anna, "deal", **{key: value for key, value in row.items() if value is not None})
        items = list(Item.objects.filter(entity_type__slug="deal"))

        ids, _pages = walk(anna, f"sort={'-' if descending else ''}{sort}&limit={page_size}")

        assert ids == expected_order(items, ORDERED_SORTS[sort], descending)
        transaction.set_rollback(True)


def count_list_queries(client: Client, limit: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{ITEMS}?limit={limit}&sort=-modified_at&weight__isnull=false")
    assert response.status_code == 200
    assert len(response.json()["items"]) == limit
    return len(captured.captured_queries)


def test_a_list_page_costs_the_same_few_queries_whatever_its_size(people: People, anna: Client) -> None:
    make_filterable_fields(people)
    company = make_item(people.anna, "company", title="Partner")
    for number in range(100):
        make_item(
            people.anna,
            "deal",
            title=f"deal {number}",
            amount=number,
            weight=number,
            manager=people.boris.pk,
            partner=company.pk,
            responsible=people.head.pk,
            stage="preparation",
            due=(dt.date(2024, 1, 1) + dt.timedelta(days=number)).isoformat(),
        )
    anna.get(ITEMS)  # warm up: the schema cache and the token's last-used time

    small, large = count_list_queries(anna, 5), count_list_queries(anna, 100)

    assert small == large
