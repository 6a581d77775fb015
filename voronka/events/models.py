"""The transactional outbox: every change is an event row written in the change's own transaction.

Consumers (automation, webhooks, notifications, the timeline) read these rows; a consumer that dies
leaves the row unprocessed, so nothing is lost. Rows are claimed by a worker, processed, and marked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OutboxEvent(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=64)  # e.g. "item.created", "item.moved"
    entity_type = models.CharField(max_length=64, blank=True, default="")
    item_id = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    available_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["available_at", "id"], name="outbox_pending_idx", condition=models.Q(status="pending")
            ),
            models.Index(fields=["item_id", "id"], name="outbox_item_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.item_id}"
