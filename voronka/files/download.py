"""Who may download a file, and the response that hands it over safely.

A user may download a file they uploaded, or one held by an item they may read. Both the API and the
web screens go through ``access_file_by_id``, which answers "not found" for missing and forbidden
alike, so ids cannot be probed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from voronka.accounts.models import User
from voronka.common.errors import NotFound, Problem
from voronka.entities.models import Item
from voronka.files.models import FileAttachment, StoredFile
from voronka.files.storage import StoredBytesMissing, get_storage

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

ID_MAX = 2**63 - 1  # a larger id would overflow the database's bigint rather than just not match


def _not_found(file_id: int) -> NotFound:
    return NotFound(Problem("id", "not_found", _("No file with id %(id)s.") % {"id": file_id}))


def access_file_by_id(user: User | AnonymousUser | None, file_id: int) -> StoredFile:
    """The file if ``user`` may download it; ``NotFound`` for both missing and forbidden."""
    if not isinstance(user, User) or not user.is_active or not 0 < file_id <= ID_MAX:
        raise _not_found(file_id)
    readable = Item.objects.visible_to(user, "read")
    held_by_readable_item = Exists(FileAttachment.objects.filter(file=OuterRef("pk"), item__in=readable))
    stored = StoredFile.objects.filter(Q(uploaded_by=user) | held_by_readable_item, pk=file_id).first()
    if stored is None:
        raise _not_found(file_id)
    return stored


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name in RFC 5987 form."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment_response(stored: StoredFile) -> FileResponse:
    """A streamed download: read from the store chunk by chunk, never rendered inline by a browser."""
    try:
        stream = get_storage().open(stored.storage_key)
    except StoredBytesMissing:
        raise NotFound(
            Problem("id", "file_missing", _("The file's content is missing from the store; tell an administrator."))
        ) from None
    response = FileResponse(stream, content_type=stored.content_type or "application/octet-stream")
    response["Content-Length"] = str(stored.size)
    response["Content-Disposition"] = content_disposition(stored.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser did render it, the file could run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response
