"""Lead conversion through ``POST /api/v1/types/lead/items/{id}/convert``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.entities.fieldcases import problems_of, row_counts
from tests.factories import People, api_client, make_item
from voronka.entities.models import Item

LEADS = "/api/v1/types/lead/items"


@pytest.fixture
def anna(people: People) -> Client:
    return api_client(people.anna)


@pytest.fixture
def lead(people: People) -> Item:
    return make_item(
        people.anna, "lead", title="Звонок", first_name="Мария", company_title="ИП Мария", phone=["+7 900 111-22-33"]
    )


def convert(client: Client, lead_id: int, body: Any) -> Any:
    return client.post(f"{LEADS}/{lead_id}/convert", json.dumps(body), content_type="application/json")


def test_conversion_answers_the_new_items_by_type(anna: Client, lead: Item) -> None:
    response = convert(anna, lead.pk, {"contact": {}, "company": None, "deal": {"title": "Договор с Марией"}})

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"contact", "company", "deal"}
    assert (body["contact"]["title"], body["contact"]["phone"], body["contact"]["companies"]) == (
        "Мария",
        ["+7 900 111-22-33"],
        [body["company"]["id"]],
    )
    assert (body["deal"]["title"], body["deal"]["company"], body["deal"]["contacts"]) == (
        "Договор с Марией",
        body["company"]["id"],
        [body["contact"]["id"]],
    )
    assert {item["converted_from"] for item in body.values()} == {lead.pk}
    converted = anna.get(f"{LEADS}/{lead.pk}").json()
    assert (converted["stage"], converted["closed"]) == ("converted", True)


def test_converting_again_is_a_422_and_makes_nothing(anna: Client, lead: Item) -> None:
    convert(anna, lead.pk, {"deal": {}})
    before = row_counts()

    again = convert(anna, lead.pk, {"deal": {}})

    assert again.status_code == 422
    assert problems_of(again.json()) == [("stage", "lead_closed")]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"deal": "yes"}, [("deal", "wrong_type")]),
        ({}, [(None, "no_targets")]),
        (
            {"deal": {"amount": "lots", "colour": "red"}},
            [("deal.colour", "unknown_field"), ("deal.amount", "wrong_type")],
        ),
    ],
)
def test_a_bad_conversion_request_is_a_422_naming_the_field(
    anna: Client, lead: Item, body: Any, expected: list[tuple[str | None, str]]
) -> None:
    before = row_counts()

    response = convert(anna, lead.pk, body)

    assert response.status_code == 422
    assert problems_of(response.json()) == expected
    assert row_counts() == before


def test_only_an_existing_lead_converts(anna: Client, people: People) -> None:
    deal = make_item(people.anna, "deal", title="Сделка")

    missing = convert(anna, 987654321, {"deal": {}})
    not_a_lead = convert(anna, deal.pk, {"deal": {}})

    assert (missing.status_code, not_a_lead.status_code) == (404, 404)


def test_a_switched_off_lead_type_refuses_new_leads_with_403(people: People, anna: Client) -> None:
    admin = api_client(people.admin)
    switched = admin.patch("/api/v1/types/lead", json.dumps({"enabled": False}), content_type="application/json")

    response = anna.post(LEADS, json.dumps({"title": "Новый"}), content_type="application/json")

    assert (switched.status_code, switched.json()["enabled"]) == (200, False)
    assert response.status_code == 403
    assert problems_of(response.json()) == [("type", "type_disabled")]
    assert not Item.objects.filter(entity_type__slug="lead").exists()
