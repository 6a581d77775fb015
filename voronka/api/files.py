"""Files: ``POST /api/v1/files`` uploads, ``GET /api/v1/files/{id}`` downloads.

An uploaded file is attached to an item by writing its id into one of the item's file fields.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Router, Status

from voronka.api.base import acting_user
from voronka.files.download import access_file_by_id, attachment_response
from voronka.files.models import StoredFile
from voronka.files.services import do_upload_file
from voronka.files.uploads import uploaded_file

router = Router(tags=["files"])

MULTIPART_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
        "required": True,
    }
}
BINARY_RESPONSE = {
    "responses": {
        200: {
            "description": "The file's bytes, as an attachment.",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def file_to_dict(stored: StoredFile) -> dict[str, Any]:
    return {
        "id": stored.pk,
        "name": stored.original_name,
        "size": stored.size,
        "content_type": stored.content_type,
        "sha256": stored.sha256,
    }


@router.post("/files", openapi_extra=MULTIPART_BODY, summary="Upload a file", response={201: dict})
def upload_file(request: HttpRequest) -> Status[dict[str, Any]]:
    """Send the file as ``multipart/form-data`` in the field ``file``. Put the returned ``id`` into a file
    field of an item to attach it. Programs, scripts, HTML and SVG are refused, and so is a file whose
    content does not match its extension."""
    user = acting_user(request)
    upload = uploaded_file(request, "file")
    stored = do_upload_file(user, upload, upload.name or "")
    return Status(201, file_to_dict(stored))


@router.get("/files/{file_id}", openapi_extra=BINARY_RESPONSE, summary="Download a file")
def download_file(request: HttpRequest, file_id: int) -> FileResponse:
    """Allowed to the uploader and to anyone who may read an item holding the file; 404 otherwise."""
    stored = access_file_by_id(acting_user(request), file_id)
    return attachment_response(stored)
