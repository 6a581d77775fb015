"""The S3 backend against a real S3-protocol server (moto's server mode) on a free local port."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from tests.factories import People, api_client
from tests.files import samples
from tests.files.conftest import stored_paths
from voronka.files.models import StoredFile
from voronka.files.storage import S3Storage, StoredBytesMissing, make_s3_client

PART = 5 * 1024 * 1024  # the smallest part S3 (and moto) accept


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    threaded = pytest.importorskip(
        "moto.moto_server.threaded_moto_server", reason="moto[server] (a dev dependency) is not installed"
    )
    server = threaded.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
    except OSError as exc:  # pragma: no cover - only where loopback sockets are forbidden
        pytest.skip(f"moto's S3 server could not listen on 127.0.0.1: {exc}")
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_conf(s3_endpoint: str) -> dict[str, str]:
    conf = {
        "endpoint_url": s3_endpoint,
        "bucket": f"voronka-{uuid.uuid4().hex[:12]}",
        "access_key": "testing",
        "secret_key": "testing",
        "region": "us-east-1",
    }
    make_s3_client(
        endpoint_url=conf["endpoint_url"], access_key=conf["access_key"], secret_key=conf["secret_key"]
    ).create_bucket(Bucket=conf["bucket"])
    return conf


def storage_for(conf: dict[str, str], part_bytes: int = PART) -> S3Storage:
    client = make_s3_client(
        endpoint_url=conf["endpoint_url"], access_key=conf["access_key"], secret_key=conf["secret_key"]
    )
    return S3Storage(client, conf["bucket"], part_bytes=part_bytes)


def read_all(storage: S3Storage, key: str) -> bytes:
    stream = storage.open(key)
    try:
        parts = []
        while chunk := stream.read(64 * 1024):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        stream.close()


def test_round_trip_small(s3_conf: dict[str, str]) -> None:
    storage = storage_for(s3_conf)
    key = storage.save(iter([b"hello ", b"world"]))
    assert storage.exists(key)
    assert read_all(storage, key) == b"hello world"
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(StoredBytesMissing):
        storage.open(key)


def test_round_trip_multipart(s3_conf: dict[str, str]) -> None:
    storage = storage_for(s3_conf)
    data = samples.bytes_of_size(2 * PART + 12345)
    key = storage.save(data[i : i + 65536] for i in range(0, len(data), 65536))
    assert hashlib.sha256(read_all(storage, key)).hexdigest() == hashlib.sha256(data).hexdigest()


def test_failed_upload_is_aborted(s3_conf: dict[str, str]) -> None:
    storage = storage_for(s3_conf)

    def chunks() -> Iterator[bytes]:
        yield samples.bytes_of_size(PART + 10)  # one part already sent
        raise OSError("client went away")

    with pytest.raises(OSError, match="client went away"):
        storage.save(chunks())
    client: Any = storage.client
    assert client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", []) == []
    assert client.list_objects_v2(Bucket=storage.bucket).get("KeyCount") == 0


def test_upload_and_download_through_the_api(
    people: People, settings: Settings, s3_conf: dict[str, str], files_root: Path
) -> None:
    settings.FILES_BACKEND = "s3"
    settings.FILES_S3 = s3_conf
    client = api_client(people.anna)
    data = samples.xlsx()
    response = client.post("/api/v1/files", {"file": SimpleUploadedFile("Отчёт.xlsx", data)})
    assert response.status_code == 201, response.content
    stored = StoredFile.objects.get(pk=response.json()["id"])
    assert storage_for(s3_conf).exists(stored.storage_key)
    assert stored_paths(files_root) == []  # nothing went to the local folder

    download = client.get(f"/api/v1/files/{stored.pk}")
    assert download.status_code == 200
    assert download.streaming
    assert download["Content-Disposition"].startswith("attachment; ")
    assert b"".join(download.streaming_content) == data  # type: ignore[attr-defined]
