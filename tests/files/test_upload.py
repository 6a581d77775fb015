"""Uploading through the service: streamed, limited, hashed, and nothing left behind on refusal."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from tests.factories import People
from tests.files import samples
from tests.files.conftest import stored_paths
from voronka.common.errors import ValidationFailed
from voronka.events.models import OutboxEvent
from voronka.files.models import StoredFile
from voronka.files.services import CHUNK_BYTES, clean_file_name, do_upload_file
from voronka.files.storage import LocalStorage


class RecordingReader:
    """A stream that notes how much each read asked for and how much it gave."""

    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)
        self.requested: list[int] = []
        self.given = 0

    def read(self, size: int = -1, /) -> bytes:
        self.requested.append(size)
        chunk = self.inner.read(size)
        self.given += len(chunk)
        return chunk


def test_upload_records_the_file_and_keeps_it_under_a_random_name(people: People, files_root: Path) -> None:
    data = samples.pdf()
    stored = do_upload_file(people.anna, io.BytesIO(data), "Договор №1.PDF")
    assert stored.original_name == "Договор №1.PDF"
    assert stored.content_type == "application/pdf"
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.uploaded_by == people.anna
    [path] = stored_paths(files_root)
    assert path.name == stored.storage_key
    assert "Договор" not in str(path)
    assert path.relative_to(files_root).parts == (stored.storage_key[:2], stored.storage_key[2:4], stored.storage_key)
    assert path.read_bytes() == data
    event = OutboxEvent.objects.get(kind="file.uploaded")
    assert event.payload["file_id"] == stored.pk


def test_upload_is_read_in_chunks(people: People) -> None:
    data = samples.bytes_of_size(5 * CHUNK_BYTES + 17)
    reader = RecordingReader(data)
    stored = do_upload_file(people.anna, reader, "big.txt")
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert max(reader.requested) == CHUNK_BYTES
    assert -1 not in reader.requested


def test_too_big_is_refused_while_streaming_and_leaves_nothing(
    people: People, files_root: Path, settings: Settings
) -> None:
    settings.FILES_MAX_BYTES = 3 * CHUNK_BYTES
    reader = RecordingReader(samples.bytes_of_size(50 * CHUNK_BYTES))
    with pytest.raises(ValidationFailed) as refused:
        do_upload_file(people.anna, reader, "huge.txt")
    assert refused.value.problems[0].code == "too_large"
    # Reading stopped right after the limit was passed, not at the end of the stream.
    assert reader.given <= 4 * CHUNK_BYTES
    assert stored_paths(files_root) == []
    assert not StoredFile.objects.exists()


def test_declared_size_over_the_limit_is_refused_before_writing(
    people: People, files_root: Path, settings: Settings
) -> None:
    settings.FILES_MAX_BYTES = 1000
    upload = SimpleUploadedFile("big.txt", samples.bytes_of_size(5000))
    with pytest.raises(ValidationFailed) as refused:
        do_upload_file(people.anna, upload, "big.txt")
    assert refused.value.problems[0].code == "too_large"
    assert stored_paths(files_root) == []


def test_file_exactly_at_the_limit_is_accepted(people: People, settings: Settings) -> None:
    settings.FILES_MAX_BYTES = 10_000
    stored = do_upload_file(people.anna, io.BytesIO(samples.bytes_of_size(10_000)), "edge.txt")
    assert stored.size == 10_000


def test_refused_type_leaves_nothing(people: People, files_root: Path) -> None:
    with pytest.raises(ValidationFailed) as refused:
        do_upload_file(people.anna, io.BytesIO(samples.windows_exe()), "invoice.pdf")
    assert refused.value.problems[0].code == "dangerous_type"
    assert stored_paths(files_root) == []
    assert not StoredFile.objects.exists()


def test_empty_file_is_refused(people: People) -> None:
    with pytest.raises(ValidationFailed) as refused:
        do_upload_file(people.anna, io.BytesIO(b""), "empty.txt")
    assert refused.value.problems[0].code == "empty_file"


def test_failed_row_write_removes_the_bytes(people: People, files_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_create(**values: object) -> StoredFile:
        raise RuntimeError("database went away")

    monkeypatch.setattr(StoredFile.objects, "create", broken_create)
    with pytest.raises(RuntimeError):
        do_upload_file(people.anna, io.BytesIO(samples.pdf()), "scan.pdf")
    assert stored_paths(files_root) == []


def test_local_storage_write_failure_leaves_no_temporary_file(files_root: Path) -> None:
    def chunks() -> object:
        yield b"first part"
        raise OSError("client went away")

    storage = LocalStorage(files_root)
    with pytest.raises(OSError, match="client went away"):
        storage.save(chunks())  # type: ignore[arg-type]
    assert stored_paths(files_root) == []


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\fakepath\\scan.pdf", "scan.pdf"),
        ("../../etc/passwd", "passwd"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("virus.exe. . ", "virus.exe"),
        ("bad\x00\ud800name.txt", "badname.txt"),
        ("", "file"),
        ("x" * 300 + ".docx", "x" * 250 + ".docx"),
    ],
)
def test_file_names_are_cleaned(sent: str, kept: str) -> None:
    assert clean_file_name(sent) == kept
