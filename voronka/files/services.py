"""Uploading files and keeping the attachments table in step with items' file fields.

An upload is streamed in chunks straight into the store: the size limit is enforced and the SHA-256
computed while the bytes pass, the type is judged from the first chunk, and a refused upload leaves
nothing behind.
"""

from __future__ import annotations

import hashlib
import itertools
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from voronka.common.errors import AccessDenied, Problem, ValidationFailed
from voronka.events.outbox import emit_event
from voronka.files.models import FileAttachment, StoredFile
from voronka.files.sniff import SNIFF_BYTES, accepted_content_type, extension_of
from voronka.files.storage import get_storage

if TYPE_CHECKING:
    from voronka.accounts.models import User
    from voronka.entities.models import Item
    from voronka.entities.schema import TypeSchema

CHUNK_BYTES = 64 * 1024
NAME_MAX = 255


class BinaryReader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _TooLarge(Exception):
    pass


def too_large_error(limit: int) -> ValidationFailed:
    return ValidationFailed(
        Problem(
            "file",
            "too_large",
            _("The file is larger than the limit of %(limit)s; compress it or split it.")
            % {"limit": filesizeformat(limit)},
        )
    )


def clean_file_name(name: str) -> str:
    """A display name that is safe in a header and on any desktop: no folders, no control or bidi tricks."""
    # Browsers may send a full path ("C:\\fakepath\\scan.pdf"); only the last part is the name.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Format characters (U+202E and friends) can make "gpj.exe" read as "exe.jpg"; control ones break headers;
    # lone surrogates cannot be stored at all.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"})
    name = unicodedata.normalize("NFC", name)
    # Windows drops trailing dots and spaces, which would turn "virus.exe." into "virus.exe" on save.
    name = name.strip().rstrip(". ")
    if len(name) > NAME_MAX:
        extension = extension_of(name)
        suffix = f".{extension}" if extension and len(extension) <= 16 else ""
        name = name[: NAME_MAX - len(suffix)] + suffix  # keep the extension: it decides how the file opens
    return name or "file"


def _chunks_of(source: File[bytes] | BinaryReader) -> Iterator[bytes]:
    if isinstance(source, File):
        yield from source.chunks(CHUNK_BYTES)
        return
    while chunk := source.read(CHUNK_BYTES):
        yield chunk


def _split_head(chunks: Iterator[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The first ``SNIFF_BYTES`` for sniffing, and an iterator that still yields every chunk."""
    taken: list[bytes] = []
    length = 0
    for chunk in chunks:
        taken.append(chunk)
        length += len(chunk)
        if length >= SNIFF_BYTES:
            break
    return b"".join(taken)[:SNIFF_BYTES], itertools.chain(taken, chunks)


def _measured(
    chunks: Iterable[bytes], limit: int, hash_update: Callable[[bytes], object], size: list[int]
) -> Iterator[bytes]:
    """Pass chunks through, hashing and counting them; stop the write as soon as the limit is passed."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise _TooLarge
        hash_update(chunk)
        yield chunk
    size.append(total)


def do_upload_file(
    actor: User | None,
    source: File[bytes] | BinaryReader,
    original_name: str,
    *,
    max_bytes: int | None = None,
) -> StoredFile:
    """Store an upload (a Django ``UploadedFile`` or any binary stream) and record it; 422 if refused."""
    if actor is not None and not actor.is_active:
        raise AccessDenied(Problem(None, "user_blocked", _("This user is blocked.")))
    limit = settings.FILES_MAX_BYTES if max_bytes is None else max_bytes
    declared = getattr(source, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise too_large_error(limit)  # refused before a byte is written
    name = clean_file_name(original_name)
    head, chunks = _split_head(_chunks_of(source))
    if not head:
        raise ValidationFailed(Problem("file", "empty_file", _("The file is empty.")))
    content_type = accepted_content_type(name, head)

    storage = get_storage()
    digest = hashlib.sha256()
    size: list[int] = []
    try:
        key = storage.save(_measured(chunks, limit, digest.update, size))
    except _TooLarge:
        raise too_large_error(limit) from None
    try:
        with transaction.atomic():
            stored = StoredFile.objects.create(
                storage_key=key,
                original_name=name,
                content_type=content_type,
                size=size[0],
                sha256=digest.hexdigest(),
                uploaded_by=actor,
            )
            emit_event(
                "file.uploaded",
                actor=actor,
                payload={"file_id": stored.pk, "name": name, "size": stored.size, "content_type": content_type},
            )
    except BaseException:
        storage.delete(key)  # the row was not written, so the bytes would be unreachable
        raise
    return stored


def _file_ids(value: object) -> set[int]:
    values = value if isinstance(value, list) else [value]
    return {v for v in values if isinstance(v, int) and not isinstance(v, bool)}


def sync_item_files(item: Item, schema: TypeSchema, slugs: set[str]) -> None:
    """Mirror the file ids held in ``item.data[slug]`` for each changed file field (called by the items service).

    Runs inside the item's write transaction, so the table never disagrees with the item.
    """
    fields = {schema.fields[slug].pk: schema.fields[slug] for slug in slugs}
    if not fields:
        return
    wanted = {(field_id, file_id) for field_id, fd in fields.items() for file_id in _file_ids(item.data.get(fd.slug))}
    existing = {
        (field_id, file_id): pk
        for pk, field_id, file_id in FileAttachment.objects.filter(item=item, field_id__in=list(fields)).values_list(
            "pk", "field_id", "file_id"
        )
    }
    stale = [pk for pair, pk in existing.items() if pair not in wanted]
    if stale:
        FileAttachment.objects.filter(pk__in=stale).delete()
    FileAttachment.objects.bulk_create(
        [
            FileAttachment(item=item, field_id=field_id, file_id=file_id)
            for field_id, file_id in sorted(wanted - set(existing))
        ]
    )
