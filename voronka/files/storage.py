"""Where the bytes of uploaded files live: a folder on this machine or an S3-compatible store.

Both backends take the content as an iterable of chunks and hand it back as a readable stream, so no
file is ever held whole in memory. Keys are random (never derived from the user's file name) and the
folder is outside anything the web server serves; downloads go through a rights check in the app.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

KEY_RE = re.compile(r"^[0-9a-f]{32}$")
S3_PART_BYTES = 8 * 1024 * 1024  # S3 wants parts of at least 5 MiB (except the last one)


class StoredBytesMissing(Exception):
    """The row exists but the store has no bytes under its key (deleted by hand, wrong bucket...)."""


class ReadableStream(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class FileStorage(Protocol):
    def save(self, chunks: Iterable[bytes]) -> str:
        """Write the chunks under a new random key and return the key; nothing is left if it fails."""
        ...

    def open(self, key: str) -> ReadableStream:
        """A stream of the stored bytes; raises ``StoredBytesMissing``."""
        ...

    def delete(self, key: str) -> None:
        """Remove the bytes; a missing key is not an error."""
        ...

    def exists(self, key: str) -> bool: ...


def new_key() -> str:
    return secrets.token_hex(16)


def _checked_key(key: str) -> str:
    # Keys come from our own rows, but a path built from a tampered one must never leave the root.
    if not KEY_RE.match(key):
        raise StoredBytesMissing(key)
    return key


class LocalStorage:
    """Files under ``root/ab/cd/abcd...``: two levels of sharding keep directories small."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, key: str) -> Path:
        key = _checked_key(key)
        return self.root / key[:2] / key[2:4] / key

    def save(self, chunks: Iterable[bytes]) -> str:
        key = new_key()
        final = self.path_for(key)
        # The temporary file sits under the same root so the final rename is atomic (same file system).
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix=f"{key}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        return key

    def open(self, key: str) -> ReadableStream:
        try:
            return self.path_for(key).open("rb")
        except FileNotFoundError as exc:
            raise StoredBytesMissing(key) from exc

    def delete(self, key: str) -> None:
        with contextlib.suppress(StoredBytesMissing):
            self.path_for(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        try:
            return self.path_for(key).is_file()
        except StoredBytesMissing:
            return False


class S3Storage:
    """An S3-compatible bucket (AWS, MinIO, Ceph, Yandex Object Storage...).

    Content is sent in parts of ``part_bytes``, so memory use is bounded by one part whatever the size.
    """

    def __init__(self, client: S3Client, bucket: str, *, part_bytes: int = S3_PART_BYTES) -> None:
        self.client = client
        self.bucket = bucket
        self.part_bytes = part_bytes

    def save(self, chunks: Iterable[bytes]) -> str:
        key = new_key()
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[CompletedPartTypeDef] = []
        try:
            for chunk in chunks:
                buffer += chunk
                while len(buffer) >= self.part_bytes:
                    if upload_id is None:
                        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
                    self._send_part(key, upload_id, parts, bytes(buffer[: self.part_bytes]))
                    del buffer[: self.part_bytes]
            if upload_id is None:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=bytes(buffer))
            else:
                if buffer:
                    self._send_part(key, upload_id, parts, bytes(buffer))
                self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            if upload_id is not None:
                # Parts of an unfinished upload are billed and invisible; abort so nothing is left behind.
                with contextlib.suppress(Exception):
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise
        return key

    def _send_part(self, key: str, upload_id: str, parts: list[CompletedPartTypeDef], body: bytes) -> None:
        number = len(parts) + 1
        answer = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body)
        parts.append({"ETag": answer["ETag"], "PartNumber": number})

    def open(self, key: str) -> ReadableStream:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=_checked_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise StoredBytesMissing(key) from exc
            raise
        return answer["Body"]

    def delete(self, key: str) -> None:
        with contextlib.suppress(StoredBytesMissing):
            self.client.delete_object(Bucket=self.bucket, Key=_checked_key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=_checked_key(key))
        except (ClientError, StoredBytesMissing):
            return False
        return True


def make_s3_client(
    *, endpoint_url: str = "", access_key: str = "", secret_key: str = "", region: str = "us-east-1"
) -> S3Client:
    """A boto3 S3 client; boto3 is imported here so installations on local files never load it."""
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        # Other S3-compatible stores (MinIO, Ceph) want path-style URLs and reject the newer default checksums.
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        region_name=region or None,
        config=config,
    )


_s3_clients: dict[tuple[str, str, str, str], S3Client] = {}
_s3_lock = threading.Lock()


def get_storage() -> FileStorage:
    """The configured backend. Settings are read on each call so tests (and operators) can switch them."""
    backend = settings.FILES_BACKEND
    if backend == "local":
        return LocalStorage(Path(settings.FILES_ROOT))
    if backend == "s3":
        conf = settings.FILES_S3
        if not conf["bucket"]:
            raise ImproperlyConfigured("VORONKA_FILES_BACKEND=s3 needs VORONKA_S3_BUCKET.")
        cache_key = (conf["endpoint_url"], conf["access_key"], conf["secret_key"], conf["region"])
        with _s3_lock:
            # A boto3 client is costly to build and safe to share between threads.
            client = _s3_clients.get(cache_key)
            if client is None:
                client = make_s3_client(
                    endpoint_url=conf["endpoint_url"],
                    access_key=conf["access_key"],
                    secret_key=conf["secret_key"],
                    region=conf["region"],
                )
                _s3_clients[cache_key] = client
        return S3Storage(client, conf["bucket"])
    raise ImproperlyConfigured(f"VORONKA_FILES_BACKEND must be 'local' or 's3', not {backend!r}.")
