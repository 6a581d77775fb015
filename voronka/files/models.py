"""Uploaded files. The bytes live in a storage backend under a random key; the row keeps the metadata."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StoredFile(models.Model):
    storage_key = models.CharField(max_length=128, unique=True, help_text="Random name inside the store.")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.original_name
