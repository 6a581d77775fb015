"""Taking an uploaded file out of a multipart request without letting an oversized one fill the disk.

Django spools uploads to a temporary file before a view runs; here the size limit is applied while
Django parses, so an oversized upload is cut off there instead of being written out whole first.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _

from voronka.common.errors import Problem, ValidationFailed
from voronka.files.services import too_large_error

MULTIPART_OVERHEAD = 64 * 1024  # room for the multipart boundaries and headers around the file


class SizeLimitHandler(FileUploadHandler):
    """Stops the parse as soon as any file in the request passes ``limit`` bytes."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            # Not a connection reset: the rest of the body is read and dropped, so the client gets our answer.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handlers build the file


def uploaded_file(request: HttpRequest, field: str = "file", *, max_bytes: int | None = None) -> UploadedFile[bytes]:
    """The file sent in multipart field ``field``; a 422 naming the problem otherwise."""
    limit = settings.FILES_MAX_BYTES if max_bytes is None else max_bytes
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + MULTIPART_OVERHEAD:
        raise too_large_error(limit)
    handler = SizeLimitHandler(request, limit)
    # Has an effect only if nothing has parsed the body yet; the service checks the size again anyway.
    request.upload_handlers.insert(0, handler)
    try:
        files = request.FILES
    except (MultiPartParserError, SuspiciousOperation) as exc:  # malformed, too many parts, fields too big
        raise ValidationFailed(
            Problem(field, "invalid_upload", _("The upload could not be read: %(error)s") % {"error": exc})
        ) from exc
    if handler.exceeded:
        raise too_large_error(limit)
    uploads = files.getlist(field)
    if len(uploads) != 1:
        raise ValidationFailed(
            Problem(
                field,
                "required",
                _("Send exactly one file as multipart/form-data in the field '%(field)s'.") % {"field": field},
            )
        )
    return uploads[0]
