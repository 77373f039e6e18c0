"""The artifact store interface and the helpers every backend shares.

Backends import this module; which backend a URL opens is ``registry``'s business.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

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
