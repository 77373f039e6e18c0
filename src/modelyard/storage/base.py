"""The artifact store interface and its registry by URL scheme (as MLflow picks stores)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlparse

CHUNK = 1024 * 1024


class StoreNotFound(KeyError):
    """No object is stored under the key."""


class ArtifactStore(Protocol):
    """Stores immutable objects (packages, blobs) under slash-separated keys."""

    def put(self, key: str, source: BinaryIO) -> int:
        """Store the whole stream under ``key``; returns the number of bytes written."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object; raises StoreNotFound."""
        ...

    def size(self, key: str) -> int:
        """The object's size in bytes; raises StoreNotFound."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing one is not an error."""
        ...

    def fetch(self, key: str, destination: Path) -> Path:
        """Copy the object to a local file (for code that needs a path)."""
        ...


StoreFactory = Callable[[str], ArtifactStore]
_FACTORIES: dict[str, StoreFactory] = {}


def register_store(scheme: str, factory: StoreFactory) -> None:
    """Make ``scheme://…`` URLs open with ``factory``."""
    _FACTORIES[scheme] = factory


def open_store(url: str) -> ArtifactStore:
    """The store for ``url``: a plain path or ``file://`` is local, ``s3://bucket/prefix`` S3."""
    scheme = urlparse(url).scheme if "://" in url else "file"
    if scheme not in _FACTORIES:
        # importing a backend module registers it
        from modelyard.storage import local  # noqa: F401

        if scheme == "s3":
            from modelyard.storage import s3  # noqa: F401
    if scheme not in _FACTORIES:
        raise ValueError(f"no artifact store for URL scheme '{scheme}' ({url})")
    return _FACTORIES[scheme](url)


def iter_chunks(stream: BinaryIO, size: int = CHUNK) -> Iterator[bytes]:
    """Read a stream in chunks, for constant-memory copies and downloads."""
    while chunk := stream.read(size):
        yield chunk


def stream_object(store: ArtifactStore, key: str) -> Iterator[bytes]:
    """An object's bytes in chunks, closing the stream when done or abandoned."""
    stream = store.open(key)
    try:
        yield from iter_chunks(stream)
    finally:
        stream.close()
