"""Writing events into the outbox. Call inside the transaction of the change it describes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from voronka.accounts.models import User
from voronka.events.models import OutboxEvent


def emit_event(
    kind: str,
    *,
    actor: User | None,
    entity_type: str = "",
    item_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxEvent:
    """Write one event row. Refuses to run outside a transaction: an event must share the change's fate."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("emit_event must be called inside the transaction of the change it describes")
    now = timezone.now()
    return OutboxEvent.objects.create(
        kind=kind,
        entity_type=entity_type,
        item_id=item_id,
        actor=actor,
        payload=payload or {},
        created_at=now,
        available_at=now,
    )
