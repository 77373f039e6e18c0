"""What a datasource type is: the fields it takes, how it opens its store, how it signs a URL.

Every store is reached through an fsspec filesystem, so reading and writing the verification
probe are written once (``verify.py``); a type knows its configuration, how to open its
filesystem, how to hand out URLs for files, and how to list its files in name order from
any name on (each store has its own way to start there: ``StartAfter``, ``startOffset``,
``startFrom``, a sorted directory walk), which ``listing.py`` pages and counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from fsspec import AbstractFileSystem

from modelyard.core.data.datasources.schemas import DatasourceSettings

CONNECT_TIMEOUT = 5
"""Seconds to wait for a store to answer before verify or listing give up on it."""


@dataclass(frozen=True)
class Param:
    """One field of a configuration: its core name, its wire name, whether it is secret."""

    name: str
    wire: str
    secret: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Endpoints:
    """Where the stores are when not at their public addresses (emulators, MinIO)."""

    s3: str | None = None
    gcs: str | None = None
    azure: str | None = None


@dataclass(frozen=True)
class Location:
    """An opened datasource: its filesystem and the root every file name is relative to."""

    fs: AbstractFileSystem
    root: str
    container: str
    """What must exist for the datasource to be usable: the directory, or the bucket."""
    secrets: tuple[str, ...] = ()
    """Values no message about this store may repeat (they are cut out of every reason)."""

    def path_of(self, file_name: str) -> str:
        return f"{self.root}/{file_name}" if self.root else file_name


class Entry(NamedTuple):
    """One file: its name relative to the root, its modification time (Unix seconds), its size."""

    name: str
    modified: int
    size: int


class DatasourceKind(Protocol):
    type: str
    params: tuple[Param, ...]

    def check(self, settings: DatasourceSettings) -> DatasourceSettings:
        """The settings normalized; raises ``DatasourceInvalid`` naming the bad field."""
        ...

    def open(self, full_path: str, values: Mapping[str, str], endpoints: Endpoints) -> Location:
        """The filesystem of the store (nothing is contacted yet)."""
        ...

    def read_urls(self, location: Location, names: list[str], expires: int) -> list[str | None]:
        """For each file, a URL of the store serving it without credentials, or None when
        modelyard must serve it itself (a local directory); a page's worth at once."""
        ...

    def entries(self, location: Location, after: str) -> Iterator[Entry]:
        """Every file under the root whose name sorts strictly after ``after`` (by code point,
        which is the UTF-8 byte order the stores sort by), in that order, fetched lazily: the
        store is asked for the next batch only when the caller reads past the last one."""
        ...
