"""Every accepted write leaves history and one outbox event in its own transaction; a refused one leaves neither."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from tests.entities.fieldcases import row_counts
from tests.factories import People, make_field, make_item
from voronka.common.errors import Conflict, ValidationFailed
from voronka.entities.models import Item, ItemHistory
from voronka.entities.services import items as items_service
from voronka.entities.services.items import do_create_item, do_delete_item, do_move_item, do_update_item
from voronka.events.models import OutboxEvent


def events_of(item_id: int) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(item_id=item_id).order_by("id"))


def history_of(item: Item, event: OutboxEvent) -> dict[str, tuple[Any, Any]]:
    return {row.field: (row.old_value, row.new_value) for row in ItemHistory.objects.filter(item=item, event=event)}


def test_create_writes_one_event_and_history_tied_to_it(people: People) -> None:
    make_field(people.admin, "deal", "weight", "number")

    deal = make_item(people.anna, "deal", title="Поставка", amount=100, weight=3)

    [event] = events_of(deal.pk)
    assert (event.kind, event.entity_type, event.actor_id, event.status) == (
        "item.created",
        "deal",
        people.anna.pk,
        "pending",
    )
    assert event.payload["changes"]["weight"] == 3
    assert history_of(deal, event) == {
        "created": (None, "Поставка"),
        "title": (None, "Поставка"),
        "amount": (None, 100.0),
        "currency": (None, "RUB"),
        "pipeline": (None, "default"),
        "stage": (None, "new"),
        "responsible": (None, people.anna.pk),
        "weight": (None, 3),
    }


def test_update_records_old_and_new_values_of_what_changed_only(people: People) -> None:
    deal = make_item(people.anna, "deal", title="Поставка", amount=100, comments="first")

    do_update_item(people.anna, deal, {"amount": 150, "comments": "first", "title": "Поставка"})

    event = events_of(deal.pk)[-1]
    assert event.kind == "item.updated"
    assert event.payload == {"changes": {"amount": {"old": 100.0, "new": 150.0}}}
    assert history_of(deal, event) == {"amount": (100.0, 150.0)}


def test_move_names_where_the_item_came_from_and_went(people: People) -> None:
    deal = make_item(people.anna, "deal", title="Поставка")

    do_move_item(people.anna, deal, "won")

    event = events_of(deal.pk)[-1]
    assert (event.kind, event.payload["from"], event.payload["to"]) == (
        "item.moved",
        {"pipeline": "default", "stage": "new"},
        {"pipeline": "default", "stage": "won"},
    )
    assert history_of(deal, event) == {"stage": ("new", "won")}
    assert Item.objects.get(pk=deal.pk).closed is True


def test_a_write_that_changes_nothing_records_nothing(people: People) -> None:
    deal = make_item(people.anna, "deal", title="Поставка", comments="same")
    before = row_counts()

    unchanged = do_update_item(people.anna, deal, {"comments": "same", "title": "Поставка"})

    assert row_counts() == before
    assert unchanged.version == 1


def test_refused_writes_record_nothing(people: People) -> None:
    make_field(people.admin, "deal", "weight", "number")
    deal = make_item(people.anna, "deal", title="Поставка")
    before = row_counts()

    with pytest.raises(ValidationFailed):
        make_item(people.anna, "deal", title="Плохая", weight="heavy")
    with pytest.raises(ValidationFailed):
        do_update_item(people.anna, deal, {"weight": "heavy"})
    with pytest.raises(ValidationFailed):
        do_move_item(people.anna, deal, "nowhere")
    with pytest.raises(Conflict):
        do_update_item(people.anna, deal, {"weight": 1}, expected_version=7)

    assert row_counts() == before


def write_then_fail(people: People, deal: Item) -> None:
    """A caller that writes through the services inside its own transaction, then fails."""
    with transaction.atomic():
        make_item(people.anna, "deal", title="Вторая")
        do_update_item(people.anna, deal, {"title": "Переименована"})
        raise RuntimeError("the caller fails after the writes")


def test_an_error_after_the_write_in_an_outer_transaction_takes_history_and_event_with_it(people: People) -> None:
    deal = make_item(people.anna, "deal", title="Поставка")
    before = row_counts()

    with pytest.raises(RuntimeError):
        write_then_fail(people, deal)

    assert row_counts() == before
    assert Item.objects.get(pk=deal.pk).title == "Поставка"


def test_if_the_event_cannot_be_written_the_item_is_not_either(people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_outbox(*args: Any, **kwargs: Any) -> OutboxEvent:
        raise RuntimeError("outbox unavailable")

    deal = make_item(people.anna, "deal", title="Поставка")
    before = row_counts()
    monkeypatch.setattr(items_service, "emit_event", broken_outbox)

    with pytest.raises(RuntimeError):
        do_create_item(people.anna, deal.entity_type, {"title": "Не будет"})
    with pytest.raises(RuntimeError):
        do_update_item(people.anna, deal, {"title": "Не будет"})

    assert row_counts() == before
    assert Item.objects.get(pk=deal.pk).title == "Поставка"


def test_if_history_cannot_be_written_neither_item_nor_event_is(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_history(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("history unavailable")

    deal = make_item(people.anna, "deal", title="Поставка")
    before = row_counts()
    monkeypatch.setattr(items_service, "_write_history", broken_history)

    with pytest.raises(RuntimeError):
        do_move_item(people.anna, deal, "won")

    assert row_counts() == before
    assert Item.objects.get(pk=deal.pk).stage.slug == "new"  # type: ignore[union-attr]


def test_delete_leaves_an_event_with_a_snapshot(people: People) -> None:
    deal = make_item(people.anna, "deal", title="Поставка", comments="kept in the event")

    do_delete_item(people.anna, deal)

    event = OutboxEvent.objects.filter(item_id=deal.pk).last()
    assert event is not None
    assert (event.kind, event.payload["snapshot"]) == (
        "item.deleted",
        {"title": "Поставка", "data": {"comments": "kept in the event"}, "stage": "new"},
    )
    assert not ItemHistory.objects.filter(item_id=deal.pk).exists()
