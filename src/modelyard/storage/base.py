"""The artifact store interface and the helpers every backend shares.

Backends import this module; which backend a URL opens is ``registry``'s business.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

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


@runtime_checkable
class TakesFiles(Protocol):
    """A store on the local filesystem, which can take a whole file by renaming it."""

    staging: Path
    """A directory on the store's filesystem for files that will be moved in."""

    def move_in(self, key: str, path: Path) -> int:
        """Store the file at ``path`` under ``key`` by moving it; returns its size."""
        ...


def staging_dir(store: ArtifactStore) -> Path | None:
    """Where to write a file that ``put_file`` will hand to ``store``: beside its objects when
    it can take files by rename, else None (the system's temporary directory)."""
    if not isinstance(store, TakesFiles):
        return None
    store.staging.mkdir(parents=True, exist_ok=True)
    return store.staging


def put_file(store: ArtifactStore, key: str, path: Path) -> int:
    """Store the local file at ``path`` under ``key``, which consumes it: a rename when the
    store can take files (a local store), else a copy, after which the file is removed."""
    if isinstance(store, TakesFiles):
        return store.move_in(key, path)
    try:
        with path.open("rb") as source:
            return store.put(key, source)
    finally:
        path.unlink(missing_ok=True)


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
