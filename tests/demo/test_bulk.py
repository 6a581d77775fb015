"""The bulk demo generator writes what the items service would: valid values, mirrored links, sane times."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import People, make_item
from voronka.accounts.models import User
from voronka.demo.bulk import GenerationResult, ensure_region_field, generate_deals
from voronka.entities.fieldtypes import is_multiple
from voronka.entities.models import FieldType, Item, ItemLink
from voronka.entities.query import list_items
from voronka.entities.schema import get_entity_type, schema_for
from voronka.entities.services.items import prepare_write

DEALS = 200


@pytest.fixture
def generated(people: People) -> GenerationResult:
    ensure_region_field(people.admin)
    # A small batch, so the run crosses several transactions and id allocations.
    return generate_deals(DEALS, batch=150, seed=7, out=None)


def _counts() -> Counter[str]:
    return Counter(Item.objects.values_list("entity_type__slug", flat=True))


def test_counts_follow_the_requested_deals(generated: GenerationResult) -> None:
    counts = _counts()
    assert counts["deal"] == generated.deals == DEALS
    assert counts["company"] == generated.companies
    assert counts["contact"] == generated.contacts
    # About a company per four deals and two contacts per company.
    assert DEALS / 8 <= generated.companies <= DEALS / 2
    assert generated.companies <= generated.contacts <= generated.companies * 3
    assert ItemLink.objects.count() == generated.links


def test_link_rows_mirror_the_link_values(generated: GenerationResult) -> None:
    expected: set[tuple[int, int, int]] = set()
    for type_slug in ("company", "contact", "deal"):
        schema = schema_for(get_entity_type(type_slug))
        link_fields = [fd for fd in schema.fields.values() if fd.field_type == FieldType.LINK]
        for item in Item.objects.filter(entity_type=schema.entity_type):
            for fd in link_fields:
                value = item.data.get(fd.slug)
                targets = (value or []) if is_multiple(fd) else [value]
                expected |= {(item.pk, fd.pk, target) for target in targets if target is not None}
    actual = set(ItemLink.objects.values_list("source_id", "field_id", "target_id"))
    assert actual == expected
    assert len(actual) == generated.links
    deal_type = get_entity_type("deal")
    deals_with_company = Item.objects.filter(entity_type=deal_type, data__has_key="company").count()
    assert deals_with_company == DEALS


def test_every_reference_points_at_a_row(generated: GenerationResult) -> None:
    # On PostgreSQL the generator may skip the foreign-key triggers, so the references are checked here.
    item_ids = set(Item.objects.values_list("pk", flat=True))
    user_ids = set(User.objects.values_list("pk", flat=True))
    links = list(ItemLink.objects.values_list("source_id", "target_id"))
    assert {source for source, _target in links} <= item_ids
    assert {target for _source, target in links} <= item_ids
    people = Item.objects.values_list("responsible_id", "created_by_id", "modified_by_id")
    assert {user for row in people for user in row} <= user_ids
    stages = Item.objects.filter(stage__isnull=False).values_list("stage_id", "stage__pipeline_id", "pipeline_id")
    assert all(stage_pipeline == pipeline for _stage, stage_pipeline, pipeline in stages)


def _values_of(item: Item, has_pipelines: bool, has_money: bool) -> dict[str, Any]:
    """What a client would send to create this item, built from the stored row."""
    values: dict[str, Any] = {"title": item.title, "responsible": item.responsible_id, **item.data}
    values |= {"pipeline": item.pipeline_id, "stage": item.stage_id} if has_pipelines else {}
    values |= {"amount": str(item.amount), "currency": item.currency} if has_money else {}
    return values


@pytest.mark.parametrize("type_slug", ["company", "contact", "deal"])
def test_every_item_passes_the_service_validation(generated: GenerationResult, people: People, type_slug: str) -> None:
    schema = schema_for(get_entity_type(type_slug))
    entity_type = schema.entity_type
    items = list(Item.objects.filter(entity_type=entity_type))
    assert items
    for item in items:
        prepared = prepare_write(
            people.admin, schema, None, _values_of(item, entity_type.has_pipelines, entity_type.has_money)
        )
        # Cleaning changes nothing: every stored value is already in its stored form.
        assert prepared.data == item.data, item.pk
        assert prepared.system["title"] == item.title
        assert prepared.system["amount"] == item.amount
        assert prepared.system["currency"] == item.currency
        stage = prepared.system["stage"]
        assert item.closed == bool(stage is not None and stage.is_closed)
        assert item.version == 1


def test_times_are_aware_and_ordered(generated: GenerationResult) -> None:
    now = timezone.now()
    for created_at, modified_at in Item.objects.values_list("created_at", "modified_at"):
        assert created_at.utcoffset() == dt.timedelta(0)
        assert now - dt.timedelta(days=731) <= created_at <= modified_at <= now


def test_deals_spread_over_stages_and_people(generated: GenerationResult) -> None:
    deals = Item.objects.filter(entity_type=get_entity_type("deal"))
    assert deals.values("stage").distinct().count() >= 4
    assert deals.filter(closed=True).exists()
    assert deals.filter(closed=False).exists()
    assert deals.values("responsible").distinct().count() >= 5


def test_region_filter_lists_only_matching_deals(generated: GenerationResult, people: People) -> None:
    schema = schema_for(get_entity_type("deal"))
    regions = Counter(item.data["region"] for item in Item.objects.filter(entity_type=schema.entity_type))
    key, expected = regions.most_common(1)[0]
    page = list_items(people.admin, schema, filters={"region": key}, sort="-modified_at", limit=200)
    assert [item.data["region"] for item in page.items] == [key] * expected
    moments = [(item.modified_at, item.pk) for item in page.items]
    assert moments == sorted(moments, reverse=True)


def test_items_written_after_generation_get_fresh_ids(generated: GenerationResult, people: People) -> None:
    highest = Item.objects.order_by("-pk").values_list("pk", flat=True).first()
    deal = make_item(people.anna, "deal", title="After the bulk load", amount=10)
    assert highest is not None
    assert deal.pk > highest


def test_the_same_seed_gives_the_same_data(people: People) -> None:
    first = generate_deals(20, batch=100, seed=3, out=None)
    titles = list(Item.objects.order_by("pk").values_list("title", "entity_type_id", "amount", "data__region"))
    second = generate_deals(20, batch=100, seed=3, out=None)
    again = list(Item.objects.order_by("pk").values_list("title", "entity_type_id", "amount", "data__region"))
    assert (second.companies, second.contacts) == (first.companies, first.contacts)
    assert again[len(titles) :] == titles
