"""An S3 bucket (AWS or any S3-compatible server) as artifact store, for more than one machine.

URL format::

    s3://<bucket>[/<prefix>][?endpoint_url=<url>&region=<name>&profile=<name>&addressing_style=<style>]

Objects live under ``<prefix>/<key>`` in ``<bucket>``; the bucket must exist. Credentials are
never part of the URL: boto3 finds them as it always does (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``, ``AWS_PROFILE``, ``~/.aws``, instance roles).
Region and endpoint come from the same places (``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL_S3``),
unless the URL's query names them:

- ``endpoint_url``: an S3-compatible server, e.g. ``http://127.0.0.1:9000`` (MinIO, moto);
- ``region``: the bucket's region;
- ``profile``: a named profile of the AWS config files;
- ``addressing_style``: ``path``, ``virtual`` or ``auto``; ``path`` when an endpoint is given,
  since self-hosted servers rarely resolve bucket subdomains.

Uploads and downloads stream through boto3's transfer manager in parts of ``PART_SIZE`` bytes,
at most four in memory at once, so memory stays bounded (about 32 MiB per upload) whatever the
object's size.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal
from urllib.parse import parse_qs, urlparse

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from modelyard.storage.base import StoreNotFound

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client

PART_SIZE = 8 * 1024 * 1024
URL_OPTIONS = frozenset({"endpoint_url", "region", "profile", "addressing_style"})
MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
ADDRESSING_STYLES: dict[str, Literal["path", "virtual", "auto"]] = {
    "path": "path",
    "virtual": "virtual",
    "auto": "auto",
}


class _CountingReader(io.RawIOBase):
    """A forward-only view of ``source`` that counts what the uploader read from it.

    Not seekable on purpose: boto3 then reads the stream once, part by part, instead of
    seeking around to measure it first.
    """

    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self._source = source
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._source.read(len(view))
        view[: len(data)] = data
        self.count += len(data)
        return len(data)


class _BodyReader(io.RawIOBase):
    """An S3 response body as a raw stream, so callers get an ordinary buffered file object."""

    def __init__(self, body: StreamingBody) -> None:
        super().__init__()
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in MISSING_CODES


class S3Store:
    """Objects under ``prefix`` in one bucket, through one (thread-safe) boto3 client."""

    def __init__(self, client: S3Client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._transfer = TransferConfig(
            multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=4
        )
        self._transfer.max_in_memory_upload_chunks = 4

    def _object_key(self, key: str) -> str:
        if any(segment in ("", ".", "..") for segment in key.split("/")):
            raise ValueError(f"invalid storage key '{key}'")
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, source: BinaryIO) -> int:
        counter = _CountingReader(source)
        self.client.upload_fileobj(
            io.BufferedReader(counter), self.bucket, self._object_key(key), Config=self._transfer
        )
        return counter.count

    def open(self, key: str) -> BinaryIO:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as exc:
            if _is_missing(exc):
                raise StoreNotFound(key) from exc
            raise
        return io.BufferedReader(_BodyReader(response["Body"]), buffer_size=PART_SIZE // 8)

    def size(self, key: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as exc:
            if _is_missing(exc):
                raise StoreNotFound(key) from exc
            raise
        return head["ContentLength"]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object_key(key))

    def fetch(self, key: str, destination: Path) -> Path:
        try:
            self.client.download_file(
                self.bucket, self._object_key(key), str(destination), Config=self._transfer
            )
        except ClientError as exc:
            if _is_missing(exc):
                raise StoreNotFound(key) from exc
            raise
        return destination


def _options(query: str) -> dict[str, str]:
    parsed = parse_qs(query, keep_blank_values=False, strict_parsing=False)
    unknown = set(parsed) - URL_OPTIONS
    if unknown:
        allowed = ", ".join(sorted(URL_OPTIONS))
        raise ValueError(f"unknown s3 URL option(s) {sorted(unknown)}; known: {allowed}")
    return {name: values[-1] for name, values in parsed.items()}


def client_for(options: dict[str, str]) -> S3Client:
    """An S3 client configured from URL options over boto3's usual sources."""
    endpoint = options.get("endpoint_url")
    requested = options.get("addressing_style") or ("path" if endpoint else "auto")
    style = ADDRESSING_STYLES.get(requested)
    if style is None:
        raise ValueError(f"addressing_style must be path, virtual or auto, not '{requested}'")
    session = boto3.session.Session(profile_name=options.get("profile"))
    config = Config(s3={"addressing_style": style}, retries={"mode": "standard"})
    return session.client(
        "s3", endpoint_url=endpoint, region_name=options.get("region"), config=config
    )


def from_url(url: str) -> S3Store:
    """The store for ``s3://bucket/prefix?option=value…`` (see the module docstring)."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"not an s3://bucket[/prefix] URL: {url}")
    return S3Store(client_for(_options(parsed.query)), parsed.netloc, parsed.path)
