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


class FileAttachment(models.Model):
    """A file held by a file field of an item; mirrors ``item.data[field.slug]``.

    The JSON value is what the item says; this table answers "which items hold file X" with an index,
    so "who may download X" is one query through the items' rights.
    """

    # The unique constraint's index starts with item, so the item column needs no index of its own.
    item = models.ForeignKey("entities.Item", on_delete=models.CASCADE, related_name="file_attachments", db_index=False)
    field = models.ForeignKey("entities.FieldDefinition", on_delete=models.CASCADE, related_name="+")
    # An attached file cannot be deleted from under the item; clearing the field frees it first.
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="attachments", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "field", "file"], name="uniq_file_attachment")]
        # (file, item): the download check goes from a file to the items holding it.
        indexes = [models.Index(fields=["file", "item"], name="fileattachment_file_idx")]

    def __str__(self) -> str:
        return f"file {self.file_id} on item {self.item_id}"
