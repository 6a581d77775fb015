"""The outbox worker: claims due events, runs their handlers, marks them done or schedules a retry.

Embedded mode runs ``run_forever`` in a daemon thread of ``voronka run``; ``voronka worker`` runs it in
its own process. Claims are leases (``claimed_until``): an event whose worker died is claimed again
once the lease expires, so nothing is lost; on PostgreSQL concurrent workers skip each other's rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from voronka.events.models import OutboxEvent
from voronka.worker.handlers import handlers_for

log = logging.getLogger("voronka.worker")
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 8
BATCH = 100


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 5 * 2 ** max(0, attempts - 1)))


def claim_due_events(limit: int = BATCH) -> list[int]:
    now = timezone.now()
    with transaction.atomic():
        due = OutboxEvent.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            status=OutboxEvent.Status.PENDING,
            available_at__lte=now,
        ).order_by("available_at", "id")
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            OutboxEvent.objects.filter(id__in=ids).update(claimed_until=now + LEASE)
    return ids


def process_event(event_id: int) -> None:
    event = OutboxEvent.objects.filter(pk=event_id, status=OutboxEvent.Status.PENDING).first()
    if event is None:
        return  # done by someone else, or gone: nothing to do
    try:
        with transaction.atomic():
            for handler in handlers_for(event.kind):
                handler(event)
            OutboxEvent.objects.filter(pk=event.pk).update(
                status=OutboxEvent.Status.DONE, processed_at=timezone.now(), claimed_until=None
            )
    except Exception:
        attempts = event.attempts + 1
        failed = attempts >= MAX_ATTEMPTS
        log.exception("event %s (%s) failed, attempt %s", event.pk, event.kind, attempts)
        OutboxEvent.objects.filter(pk=event.pk).update(
            attempts=attempts,
            status=OutboxEvent.Status.FAILED if failed else OutboxEvent.Status.PENDING,
            available_at=timezone.now() + _backoff(attempts),
            claimed_until=None,
            last_error=traceback.format_exc()[-4000:],
        )


def run_once() -> int:
    """Process one batch of due events; returns how many were claimed."""
    ids = claim_due_events()
    for event_id in ids:
        process_event(event_id)
    return len(ids)


def run_forever(stop: threading.Event) -> None:
    log.info("worker started")
    while not stop.is_set():
        try:
            close_old_connections()
            claimed = run_once()
        except Exception:
            log.exception("worker loop error")
            claimed = 0
        if claimed < BATCH:
            stop.wait(settings.WORKER_POLL_SECONDS)
    connection.close()
    log.info("worker stopped")


def start_embedded_worker() -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(stop,), name="voronka-worker", daemon=True)
    thread.start()
    return thread, stop
