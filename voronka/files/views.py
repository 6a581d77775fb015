"""The browser's download link, ``/files/<id>/download``: the same rights check as the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from voronka.common.errors import NotFound
from voronka.files.download import access_file_by_id, attachment_response


@login_required
def download_file(request: HttpRequest, file_id: int) -> FileResponse:
    try:
        return attachment_response(access_file_by_id(request.user, file_id))
    except NotFound as exc:
        raise Http404(str(exc)) from None
