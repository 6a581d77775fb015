"""The files API and the browser's download link: upload, attach to an item, download with a rights check."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.test import Client
from pytest_django.fixtures import Settings

from tests.factories import People, api_client, make_field
from tests.files import samples
from tests.files.conftest import stored_paths
from voronka.accounts.models import User
from voronka.common.errors import NotFound
from voronka.entities.models import ItemQuerySet
from voronka.files.download import access_file_by_id
from voronka.files.models import FileAttachment, StoredFile
from voronka.files.storage import LocalStorage, ReadableStream


def upload(client: Client, name: str, data: bytes) -> Any:
    return client.post("/api/v1/files", {"file": SimpleUploadedFile(name, data)})


def uploaded_id(client: Client, name: str, data: bytes) -> int:
    response = upload(client, name, data)
    assert response.status_code == 201, response.content
    file_id = response.json()["id"]
    assert isinstance(file_id, int)
    return file_id


def error_codes(response: Any) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in response.json()["errors"]]


@pytest.fixture
def only_own_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rights narrower than the foundation's "everyone reads everything": a user reads only items they are
    responsible for. Downloads must follow whatever ``visible_to`` decides."""

    def visible_to(self: ItemQuerySet, user: User | None, action: str = "read") -> ItemQuerySet:
        if user is None or not user.is_active:
            return self.none()
        return self.filter(responsible=user)

    monkeypatch.setattr(ItemQuerySet, "visible_to", visible_to)


def test_upload_answers_201_with_the_file(people: People) -> None:
    data = samples.docx()
    response = upload(api_client(people.anna), "Договор.DOCX", data)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Договор.DOCX",
        "size": len(data),
        "content_type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert StoredFile.objects.get(pk=body["id"]).uploaded_by == people.anna


@pytest.mark.parametrize(
    ("name", "data"),
    [("clients.csv", samples.csv_cp1251()), ("Отчёт.xlsx", samples.xlsx()), ("photo.JPG", samples.jpeg())],
)
def test_everyday_formats_upload(people: People, name: str, data: bytes) -> None:
    assert upload(api_client(people.anna), name, data).status_code == 201


def test_upload_needs_a_token() -> None:
    response = Client().post("/api/v1/files", {"file": SimpleUploadedFile("a.txt", b"hello")})
    assert response.status_code == 401


def test_upload_without_a_file_is_422(people: People) -> None:
    response = api_client(people.anna).post("/api/v1/files", {"other": "value"})
    assert response.status_code == 422
    assert error_codes(response) == [("file", "required")]


def test_too_big_upload_is_refused_and_leaves_nothing(
    people: People, settings: Settings, files_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FILES_MAX_BYTES = 20_000

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("an oversized upload must be stopped before the service")

    monkeypatch.setattr("voronka.api.files.do_upload_file", must_not_run)
    client = api_client(people.anna)
    # Cut off by the upload handler while Django parses the body...
    response = upload(client, "big.txt", samples.bytes_of_size(60_000))
    assert response.status_code == 422
    assert error_codes(response) == [("file", "too_large")]
    # ...and refused by the declared length before parsing at all.
    response = upload(client, "bigger.txt", samples.bytes_of_size(200_000))
    assert response.status_code == 422
    assert error_codes(response) == [("file", "too_large")]
    assert stored_paths(files_root) == []
    assert not StoredFile.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("contract.pdf", samples.png(), "type_mismatch"),
        ("setup.exe", samples.windows_exe(), "dangerous_type"),
        ("invoice.pdf", samples.windows_exe(), "dangerous_type"),
        ("report.txt", samples.html_page(), "dangerous_type"),
    ],
)
def test_refused_uploads_name_the_problem(people: People, files_root: Path, name: str, data: bytes, code: str) -> None:
    response = upload(api_client(people.anna), name, data)
    assert response.status_code == 422
    assert error_codes(response) == [("file", code)]
    assert response.json()["errors"][0]["message"]
    assert stored_paths(files_root) == []


def test_case_insensitive_extension_is_accepted(people: People) -> None:
    response = upload(api_client(people.anna), "SCAN.PDF", samples.pdf())
    assert response.status_code == 201
    assert response.json()["content_type"] == "application/pdf"


def test_attach_through_item_create_and_update(people: People) -> None:
    make_field(people.admin, "deal", "scan", "file")
    client = api_client(people.anna)
    first = uploaded_id(client, "scan.pdf", samples.pdf())
    second = uploaded_id(client, "scan2.pdf", samples.pdf())

    response = client.post(
        "/api/v1/types/deal/items", {"title": "With scan", "scan": first}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    item_id = response.json()["id"]
    assert response.json()["scan"] == first
    assert list(FileAttachment.objects.filter(item_id=item_id).values_list("file_id", flat=True)) == [first]

    response = client.patch(f"/api/v1/types/deal/items/{item_id}", {"scan": second}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert list(FileAttachment.objects.filter(item_id=item_id).values_list("file_id", flat=True)) == [second]


def test_someone_elses_unattached_file_cannot_be_attached(people: People) -> None:
    make_field(people.admin, "deal", "scan", "file")
    file_id = uploaded_id(api_client(people.anna), "scan.pdf", samples.pdf())
    response = api_client(people.boris).post(
        "/api/v1/types/deal/items", {"title": "Not mine", "scan": file_id}, content_type="application/json"
    )
    assert response.status_code == 422
    assert error_codes(response) == [("scan", "file_not_found")]


def test_uploader_downloads_with_attachment_headers(people: People) -> None:
    client = api_client(people.anna)
    data = samples.pdf()
    file_id = uploaded_id(client, "Договор №1.pdf", data)
    response = client.get(f"/api/v1/files/{file_id}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="_______ _1.pdf"; '
        "filename*=UTF-8''%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%20%E2%84%961.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(data))
    assert b"".join(response.streaming_content) == data  # type: ignore[attr-defined]


def test_download_is_streamed_in_small_reads(people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    client = api_client(people.anna)
    data = samples.bytes_of_size(300_000)
    file_id = uploaded_id(client, "big.txt", data)
    reads: list[int] = []
    real_open = LocalStorage.open

    class Spy:
        def __init__(self, inner: ReadableStream) -> None:
            self.inner = inner

        def read(self, size: int = -1, /) -> bytes:
            reads.append(size)
            return self.inner.read(size)

        def close(self) -> None:
            self.inner.close()

    monkeypatch.setattr(LocalStorage, "open", lambda self, key: Spy(real_open(self, key)))
    response = client.get(f"/api/v1/files/{file_id}")
    assert response.status_code == 200
    assert isinstance(response, FileResponse)
    assert response.streaming
    assert b"".join(response.streaming_content) == data
    assert reads
    assert all(0 < size <= FileResponse.block_size for size in reads)


def test_reader_of_the_item_downloads_and_others_get_404(people: People, only_own_items: None) -> None:
    make_field(people.admin, "deal", "scan", "file")
    anna = api_client(people.anna)
    file_id = uploaded_id(anna, "scan.pdf", samples.pdf())
    response = anna.post(
        "/api/v1/types/deal/items",
        {"title": "Boris's deal", "responsible": people.boris.pk, "scan": file_id},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content

    assert anna.get(f"/api/v1/files/{file_id}").status_code == 200  # the uploader
    assert api_client(people.boris).get(f"/api/v1/files/{file_id}").status_code == 200  # reads the item
    refused = api_client(people.head).get(f"/api/v1/files/{file_id}")  # cannot see the item
    assert refused.status_code == 404
    assert error_codes(refused) == [("id", "not_found")]


def test_unattached_file_is_private_to_its_uploader(people: People) -> None:
    file_id = uploaded_id(api_client(people.anna), "draft.txt", samples.text())
    response = api_client(people.boris).get(f"/api/v1/files/{file_id}")
    assert response.status_code == 404
    assert error_codes(response) == [("id", "not_found")]


@pytest.mark.parametrize("file_id", ["999999", "99999999999999999999"])
def test_missing_file_is_404(people: People, file_id: str) -> None:
    response = api_client(people.anna).get(f"/api/v1/files/{file_id}")
    assert response.status_code == 404
    assert error_codes(response) == [("id", "not_found")]


def test_missing_bytes_are_404_not_500(people: People, files_root: Path) -> None:
    client = api_client(people.anna)
    file_id = uploaded_id(client, "scan.pdf", samples.pdf())
    for path in stored_paths(files_root):
        path.unlink()
    response = client.get(f"/api/v1/files/{file_id}")
    assert response.status_code == 404
    assert error_codes(response) == [("id", "file_missing")]


def test_web_download_uses_the_same_check(people: People, only_own_items: None) -> None:
    make_field(people.admin, "deal", "scan", "file")
    anna = api_client(people.anna)
    file_id = uploaded_id(anna, "scan.pdf", samples.pdf())
    anna.post(
        "/api/v1/types/deal/items",
        {"title": "Boris's deal", "responsible": people.boris.pk, "scan": file_id},
        content_type="application/json",
    )
    url = f"/files/{file_id}/download"

    browser = Client()
    assert browser.get(url).status_code == 302  # to the login page

    browser.force_login(people.boris)
    response = browser.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == samples.pdf()  # type: ignore[attr-defined]

    browser.force_login(people.head)
    assert browser.get(url).status_code == 404
    assert browser.get("/files/999999/download").status_code == 404


def test_blocked_user_cannot_download_even_own_file(people: People) -> None:
    file_id = uploaded_id(api_client(people.anna), "scan.pdf", samples.pdf())
    assert access_file_by_id(people.anna, file_id).pk == file_id
    people.anna.is_active = False
    people.anna.save(update_fields=["is_active"])
    with pytest.raises(NotFound):
        access_file_by_id(people.anna, file_id)
    with pytest.raises(NotFound):
        access_file_by_id(AnonymousUser(), file_id)
