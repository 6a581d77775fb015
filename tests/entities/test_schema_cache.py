"""The per-process schema cache never serves one type's configuration for another."""

from __future__ import annotations

from django.db import transaction

from tests.factories import People, make_field, make_item, make_type
from voronka.entities.schema import get_entity_type, schema_for


def test_a_type_created_in_place_of_a_rolled_back_one_gets_its_own_schema(people: People) -> None:
    with transaction.atomic():
        make_type(people.admin, "flat", has_pipelines=False)
        make_item(people.admin, "flat", title="no stage")  # caches the schema of "flat"
        transaction.set_rollback(True)  # SQLite may now hand "flat"'s id to the next type

    make_type(people.admin, "staged")
    item = make_item(people.admin, "staged", title="in a stage")

    assert (item.pipeline and item.pipeline.slug, item.stage and item.stage.slug) == ("default", "new")


def test_configuration_changes_are_seen_by_the_next_write(people: People) -> None:
    deal_type = get_entity_type("deal")
    before = schema_for(deal_type)

    make_field(people.admin, "deal", "weight", "number")
    after = schema_for(get_entity_type("deal"))

    assert "weight" not in before.fields
    assert "weight" in after.fields
    assert make_item(people.anna, "deal", title="Груз", weight=2).data == {"weight": 2}
