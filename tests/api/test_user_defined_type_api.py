"""A registry defined by an integrator through the API ("contracts", seed 001) works like a built-in type."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.entities.fieldcases import problems_of, row_counts, upload
from tests.factories import People, api_client, make_item
from voronka.entities.models import Item, ItemHistory, ItemLink
from voronka.events.models import OutboxEvent

CONTRACTS = "/api/v1/types/contracts/items"


def send(client: Client, method: str, url: str, body: Any) -> Any:
    response = client.generic(method, url, json.dumps(body), content_type="application/json")
    assert response.status_code < 500
    return response


@pytest.fixture
def admin(people: People) -> Client:
    client = api_client(people.admin)
    answers = [
        send(
            client,
            "POST",
            "/api/v1/types",
            {"slug": "contracts", "name_ru": "Договоры", "name_en": "Contracts", "has_money": True},
        ),
        send(
            client,
            "POST",
            "/api/v1/types/contracts/pipelines",
            {
                "slug": "signing",
                "name_ru": "Подписание",
                "is_default": True,
                "stages": [
                    {"slug": "draft", "name_ru": "Черновик"},
                    {"slug": "sent", "name_ru": "Отправлен", "probability": 50},
                    {
                        "slug": "signed",
                        "name_ru": "Подписан",
                        "semantic": "success",
                        "color": "#7bd500",
                        "probability": 100,
                    },
                    {"slug": "annulled", "name_ru": "Аннулирован", "semantic": "failure"},
                ],
            },
        ),
        send(
            client,
            "POST",
            "/api/v1/types/contracts/fields",
            {
                "slug": "company",
                "name_ru": "Компания",
                "field_type": "link",
                "link_type": "company",
                "filterable": True,
            },
        ),
        send(
            client,
            "POST",
            "/api/v1/types/contracts/fields",
            {"slug": "payer", "name_ru": "Плательщик", "field_type": "link", "link_type": "company"},
        ),
        send(
            client,
            "POST",
            "/api/v1/types/contracts/fields",
            {"slug": "deal", "name_ru": "Сделка", "field_type": "link", "link_type": "deal"},
        ),
        send(
            client,
            "POST",
            "/api/v1/types/contracts/fields",
            {
                "slug": "doc_type",
                "name_ru": "Вид документа",
                "field_type": "list",
                "filterable": True,
                "options": [{"key": "supply", "label_ru": "Поставка"}, {"key": "service", "label_ru": "Услуги"}],
            },
        ),
        send(
            client,
            "POST",
            "/api/v1/types/contracts/fields",
            {"slug": "scan", "name_ru": "Скан", "field_type": "file", "required_stages": ["signing/signed"]},
        ),
        send(
            client,
            "POST",
            "/api/v1/types/contracts/fields",
            {"slug": "number", "name_ru": "Номер", "field_type": "string", "required": True, "filterable": True},
        ),
    ]
    assert [answer.status_code for answer in answers] == [201] * len(answers), [a.content for a in answers]
    return client


@pytest.fixture
def company(people: People) -> Item:
    return make_item(people.anna, "company", title="ООО Ромашка")


@pytest.fixture
def deal(people: People) -> Item:
    return make_item(people.anna, "deal", title="Поставка для Ромашки")


def test_the_type_shows_its_pipelines_stages_and_fields(admin: Client) -> None:
    body = admin.get("/api/v1/types/contracts").json()

    assert (body["slug"], body["is_builtin"], body["has_money"]) == ("contracts", False, True)
    signing = next(p for p in body["pipelines"] if p["slug"] == "signing")
    assert signing["is_default"] is True
    assert [(s["slug"], s["semantic"], s["color"]) for s in signing["stages"]] == [
        ("draft", "process", "#8FA3B8"),
        ("sent", "process", "#8FA3B8"),
        ("signed", "success", "#7BD500"),
        ("annulled", "failure", "#8FA3B8"),
    ]
    assert [f["slug"] for f in body["fields"]] == ["company", "payer", "deal", "doc_type", "scan", "number"]
    assert next(f for f in body["fields"] if f["slug"] == "scan")["required_stages"] == ["signing/signed"]


def test_a_contract_links_a_company_and_a_deal_both_ways(admin: Client, company: Item, deal: Item) -> None:
    response = send(
        admin,
        "POST",
        CONTRACTS,
        {
            "title": "Договор поставки №1",
            "company": company.pk,
            "deal": deal.pk,
            "doc_type": "supply",
            "number": "1",
            "amount": 10000,
        },
    )

    assert response.status_code == 201, response.content
    contract = response.json()
    assert (contract["pipeline"], contract["stage"], contract["amount"], contract["currency"]) == (
        "signing",
        "draft",
        10000.0,
        "RUB",
    )
    assert list(ItemLink.objects.filter(target=company).values_list("source_id", "field__slug")) == [
        (contract["id"], "company")
    ]
    assert list(ItemLink.objects.filter(target=deal).values_list("source_id", "field__slug")) == [
        (contract["id"], "deal")
    ]


def test_contracts_are_listed_filtered_and_moved_like_any_item(
    people: People, admin: Client, company: Item, deal: Item
) -> None:
    first = send(admin, "POST", CONTRACTS, {"title": "№1", "company": company.pk, "number": "1", "doc_type": "supply"})
    send(admin, "POST", CONTRACTS, {"title": "№2", "number": "2", "doc_type": "service"})
    contract_id = first.json()["id"]

    by_company = admin.get(f"{CONTRACTS}?company={company.pk}").json()["items"]
    by_kind = admin.get(f"{CONTRACTS}?doc_type=service&fields=title").json()["items"]
    unsigned = send(admin, "POST", f"{CONTRACTS}/{contract_id}/move", {"stage": "signed"})
    scan = upload(people.admin, "scan.txt")
    signed = send(admin, "POST", f"{CONTRACTS}/{contract_id}/move", {"stage": "signed", "values": {"scan": scan.pk}})
    closed = admin.get(f"{CONTRACTS}?closed=true&fields=title").json()["items"]

    assert [row["id"] for row in by_company] == [contract_id]
    assert [row["title"] for row in by_kind] == ["№2"]
    assert (unsigned.status_code, problems_of(unsigned.json())) == (422, [("scan", "required_for_stage")])
    assert (signed.status_code, signed.json()["stage"], signed.json()["closed"], signed.json()["scan"]) == (
        200,
        "signed",
        True,
        scan.pk,
    )
    assert [row["title"] for row in closed] == ["№1"]


def test_contract_fields_are_checked_like_any_other(admin: Client, company: Item, deal: Item) -> None:
    before = row_counts()

    response = send(
        admin,
        "POST",
        CONTRACTS,
        {"title": "Плохой", "company": deal.pk, "deal": company.pk, "doc_type": "loan", "stage": "signed"},
    )

    assert response.status_code == 422
    assert sorted(problems_of(response.json()), key=str) == sorted(
        [
            ("company", "wrong_item_type"),
            ("deal", "wrong_item_type"),
            ("doc_type", "invalid_choice"),
            ("number", "required"),
            ("scan", "required_for_stage"),
        ],
        key=str,
    )
    assert row_counts() == before


def test_deleting_a_linked_company_removes_it_from_the_contract_with_history(
    people: People, admin: Client, company: Item, deal: Item
) -> None:
    other = make_item(people.anna, "company", title="Другая")
    contract = send(
        admin,
        "POST",
        CONTRACTS,
        {
            "title": "№1",
            "company": company.pk,
            "payer": company.pk,
            "deal": deal.pk,
            "number": "1",
        },
    ).json()
    untouched = send(admin, "POST", CONTRACTS, {"title": "№2", "company": other.pk, "number": "2"}).json()

    deleted = api_client(people.anna).delete(f"/api/v1/types/company/items/{company.pk}")

    assert deleted.status_code == 204
    after = admin.get(f"{CONTRACTS}/{contract['id']}").json()
    assert (after["company"], after["payer"], after["deal"], after["version"]) == (None, None, deal.pk, 2)
    history = ItemHistory.objects.filter(item_id=contract["id"], field__in=["company", "payer"]).exclude(old_value=None)
    assert sorted((row.field, row.old_value, row.new_value) for row in history) == [
        ("company", company.pk, None),
        ("payer", company.pk, None),
    ]
    [event] = OutboxEvent.objects.filter(item_id=contract["id"], kind="item.updated")
    assert event.payload["reason"] == "linked_item_deleted"
    assert not ItemLink.objects.filter(target_id=company.pk).exists()
    assert admin.get(f"{CONTRACTS}/{untouched['id']}").json()["company"] == other.pk
