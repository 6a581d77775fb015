"""The outbox worker: events are claimed, handled once, retried with back-off, and never lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from tests.factories import People, make_item
from voronka.events.models import OutboxEvent
from voronka.events.outbox import emit_event
from voronka.worker import handlers
from voronka.worker.runner import MAX_ATTEMPTS, claim_due_events, process_event, run_once


@pytest.fixture
def recorded() -> Iterator[list[tuple[str, int | None]]]:
    seen: list[tuple[str, int | None]] = []

    def record(event: OutboxEvent) -> None:
        seen.append((event.kind, event.item_id))

    handlers._handlers.append(("item.*", record))
    yield seen
    handlers._handlers.remove(("item.*", record))


@pytest.fixture
def failing() -> Iterator[None]:
    def explode(event: OutboxEvent) -> None:
        raise RuntimeError("SMTP is down")

    handlers._handlers.append(("item.created", explode))
    yield
    handlers._handlers.remove(("item.created", explode))


@pytest.mark.django_db(transaction=True)
def test_emit_outside_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        emit_event("item.created", actor=None)
    assert not OutboxEvent.objects.exists()


def test_rolled_back_write_leaves_no_event(people: People) -> None:
    before = OutboxEvent.objects.count()

    def write_then_fail() -> None:
        with transaction.atomic():
            make_item(people.anna, "deal", title="Rolled back")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        write_then_fail()
    assert OutboxEvent.objects.count() == before


def test_events_are_handled_once_in_order(people: People, recorded: list[tuple[str, int | None]]) -> None:
    OutboxEvent.objects.update(status=OutboxEvent.Status.DONE)
    deal = make_item(people.anna, "deal", title="Handled")
    assert run_once() == 1
    assert recorded == [("item.created", deal.pk)]
    assert run_once() == 0
    assert recorded == [("item.created", deal.pk)]
    event = OutboxEvent.objects.get(item_id=deal.pk)
    assert event.status == OutboxEvent.Status.DONE
    assert event.processed_at is not None


def test_failed_handler_is_retried_with_backoff_then_lands_in_failed(people: People, failing: None) -> None:
    OutboxEvent.objects.update(status=OutboxEvent.Status.DONE)
    deal = make_item(people.anna, "deal", title="Retried")
    event = OutboxEvent.objects.get(item_id=deal.pk)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert claim_due_events() == [event.pk]
            process_event(event.pk)
            event.refresh_from_db()
            assert event.attempts == attempt
            assert "SMTP is down" in event.last_error
            if attempt < MAX_ATTEMPTS:
                assert event.status == OutboxEvent.Status.PENDING
                assert event.available_at > timezone.now()
                assert claim_due_events() == []  # not due before its back-off ends
                clock.move_to(event.available_at + dt.timedelta(seconds=1))
    assert event.status == OutboxEvent.Status.FAILED


def test_expired_lease_is_claimed_again(people: People) -> None:
    OutboxEvent.objects.update(status=OutboxEvent.Status.DONE)
    deal = make_item(people.anna, "deal", title="Lease")
    event = OutboxEvent.objects.get(item_id=deal.pk)
    assert claim_due_events() == [event.pk]
    assert claim_due_events() == []  # claimed by a worker that then died
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6), tick=False):
        assert claim_due_events() == [event.pk]
