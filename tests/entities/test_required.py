"""Required fields: always, to enter a stage, to stand in a pipeline — checked where the item is going."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from tests.entities.fieldcases import problems_of, row_counts
from tests.factories import People, api_client, make_field, make_item
from voronka.common.errors import ValidationFailed
from voronka.entities.models import Item, ItemHistory
from voronka.entities.schema import get_entity_type
from voronka.entities.services.items import do_create_item, do_move_item, do_update_item
from voronka.entities.services.schema_admin import do_create_pipeline


def fields_of(error: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str | None, str]]:
    return [(problem.field, problem.code) for problem in error.value.problems]


@pytest.fixture
def invoice_needs_contract(people: People) -> None:
    make_field(people.admin, "deal", "contract_no", "string", required_stages=["default/invoice"])
    make_field(people.admin, "deal", "signed_on", "date", required_stages=["default/invoice", "default/won"])


def test_an_always_required_field_is_needed_to_create_and_cannot_be_cleared(people: People) -> None:
    make_field(people.admin, "company", "inn_code", "string", required=True)
    before = row_counts()

    with pytest.raises(ValidationFailed) as missing:
        make_item(people.anna, "company", title="Без ИНН")
    assert fields_of(missing) == [("inn_code", "required")]
    assert row_counts() == before

    company = make_item(people.anna, "company", title="С ИНН", inn_code="7700000000")
    with pytest.raises(ValidationFailed) as cleared:
        do_update_item(people.anna, company, {"inn_code": ""})
    assert fields_of(cleared) == [("inn_code", "required")]


def test_an_item_older_than_a_requirement_may_still_change_other_fields(people: People) -> None:
    company = make_item(people.anna, "company", title="Old")
    make_field(people.admin, "company", "inn_code", "string", required=True)

    changed = do_update_item(people.anna, company, {"comments": "still editable"})

    assert changed.data == {"comments": "still editable"}


def test_entering_a_stage_is_refused_listing_every_missing_field(people: People, invoice_needs_contract: None) -> None:
    deal = make_item(people.anna, "deal", title="Поставка")
    before = row_counts()

    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        do_move_item(people.anna, deal, "invoice")

    assert fields_of(refused) == [("contract_no", "required_for_stage"), ("signed_on", "required_for_stage")]
    assert all("'Invoice'" in str(problem.message) for problem in refused.value.problems)
    assert row_counts() == before
    deal.refresh_from_db()
    assert (deal.stage and deal.stage.slug, deal.version) == ("new", 1)


def test_a_partly_filled_move_lists_only_what_is_still_missing(people: People, invoice_needs_contract: None) -> None:
    deal = make_item(people.anna, "deal", title="Поставка")

    with pytest.raises(ValidationFailed) as refused:
        do_move_item(people.anna, deal, "invoice", values={"contract_no": "Д-17"})

    assert fields_of(refused) == [("signed_on", "required_for_stage")]


def test_the_same_move_filling_the_fields_is_accepted_as_one_change(
    people: People, invoice_needs_contract: None
) -> None:
    deal = make_item(people.anna, "deal", title="Поставка")

    moved = do_move_item(people.anna, deal, "invoice", values={"contract_no": "Д-17", "signed_on": "2024-06-03"})

    assert (moved.stage and moved.stage.slug, moved.data) == (
        "invoice",
        {"contract_no": "Д-17", "signed_on": "2024-06-03"},
    )
    rows = list(ItemHistory.objects.filter(item=moved, event__kind="item.moved"))
    assert {row.field: row.new_value for row in rows} == {
        "stage": "invoice",
        "contract_no": "Д-17",
        "signed_on": "2024-06-03",
    }
    assert len({row.event_id for row in rows}) == 1


def test_a_stage_change_through_a_plain_update_is_held_to_the_same_rule(
    people: People, invoice_needs_contract: None
) -> None:
    deal = make_item(people.anna, "deal", title="Поставка")

    with pytest.raises(ValidationFailed) as refused:
        do_update_item(people.anna, deal, {"stage": "invoice", "comments": "let me in"})

    assert fields_of(refused) == [("contract_no", "required_for_stage"), ("signed_on", "required_for_stage")]


def test_creating_an_item_straight_into_a_stage_needs_its_fields(people: People, invoice_needs_contract: None) -> None:
    with pytest.raises(ValidationFailed) as refused:
        make_item(people.anna, "deal", title="Сразу счёт", stage="invoice", contract_no="Д-1")

    assert fields_of(refused) == [("signed_on", "required_for_stage")]


def test_inside_the_stage_unrelated_changes_pass_but_clearing_a_required_field_does_not(
    people: People, invoice_needs_contract: None
) -> None:
    deal = make_item(people.anna, "deal", title="Поставка")
    deal = do_move_item(people.anna, deal, "invoice", values={"contract_no": "Д-17", "signed_on": "2024-06-03"})

    changed = do_update_item(people.anna, deal, {"comments": "client called", "amount": 500})
    with pytest.raises(ValidationFailed) as cleared:
        do_update_item(people.anna, changed, {"signed_on": None})

    assert changed.data["comments"] == "client called"
    assert fields_of(cleared) == [("signed_on", "required_for_stage")]


def test_an_item_already_in_a_stage_that_gains_a_requirement_is_not_blocked(people: People) -> None:
    deal = make_item(people.anna, "deal", title="Поставка", stage="invoice")
    make_field(people.admin, "deal", "contract_no", "string", required_stages=["default/invoice"])

    changed = do_update_item(people.anna, deal, {"title": "Поставка (уточнено)"})

    assert (changed.title, changed.stage and changed.stage.slug) == ("Поставка (уточнено)", "invoice")


def test_moving_to_another_pipeline_needs_the_pipelines_required_fields(people: People) -> None:
    do_create_pipeline(people.admin, get_entity_type("deal"), {"slug": "projects", "name_ru": "Проекты"})
    make_field(people.admin, "deal", "budget_code", "string", required_pipelines=["projects"])
    deal = make_item(people.anna, "deal", title="Внедрение")
    before = row_counts()

    with pytest.raises(ValidationFailed) as refused:
        do_move_item(people.anna, deal, "new", pipeline="projects")
    assert fields_of(refused) == [("budget_code", "required_for_pipeline")]
    assert row_counts() == before

    moved = do_move_item(people.anna, deal, "in_work", pipeline="projects", values={"budget_code": "P-9"})
    assert (moved.pipeline and moved.pipeline.slug, moved.stage and moved.stage.slug) == ("projects", "in_work")


def test_a_pipeline_requirement_holds_on_every_stage_of_it_and_on_create(people: People) -> None:
    do_create_pipeline(people.admin, get_entity_type("deal"), {"slug": "projects", "name_ru": "Проекты"})
    make_field(people.admin, "deal", "budget_code", "string", required_pipelines=["projects"])

    with pytest.raises(ValidationFailed) as refused:
        do_create_item(people.anna, get_entity_type("deal"), {"title": "Сразу в проекты", "pipeline": "projects"})

    assert fields_of(refused) == [("budget_code", "required_for_pipeline")]
    assert Item.objects.filter(title="Сразу в проекты").count() == 0


def test_the_api_move_answers_422_with_every_missing_field_then_accepts_them(
    people: People, invoice_needs_contract: None
) -> None:
    deal = make_item(people.anna, "deal", title="Поставка")
    client = api_client(people.anna)
    url = f"/api/v1/types/deal/items/{deal.pk}/move"

    refused = client.post(url, json.dumps({"stage": "invoice"}), content_type="application/json")
    accepted = client.post(
        url,
        json.dumps({"stage": "invoice", "values": {"contract_no": "Д-17", "signed_on": "2024-06-03"}, "version": 1}),
        content_type="application/json",
    )

    assert refused.status_code == 422
    assert problems_of(refused.json()) == [("contract_no", "required_for_stage"), ("signed_on", "required_for_stage")]
    assert accepted.status_code == 200
    assert (accepted.json()["stage"], accepted.json()["contract_no"], accepted.json()["version"]) == (
        "invoice",
        "Д-17",
        2,
    )
