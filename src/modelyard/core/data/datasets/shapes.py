"""What the dataset services pass around without touching Arrow: a stored chunk, a parsed
chunk's shape, the stream opener, the read block size, and the names of stored objects.

Kept apart from ``csvfiles`` and ``collate`` (which import pyarrow) so that a server that never
touches a dataset does not load pyarrow: the services import those two modules on use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

Opener = Callable[[str], BinaryIO]

BLOCK = 4 * 1024 * 1024
"""Bytes read at a time from a request body or a stored file."""


@dataclass(frozen=True)
class StoredChunk:
    number: int
    key: str
    column_headers: list[str]
    row_count: int
    text_columns: list[str]


@dataclass(frozen=True)
class ChunkShape:
    """What a parsed chunk holds: its data column headers (row headers excluded) and rows."""

    column_headers: list[str]
    row_count: int
    text_columns: list[str]
    """Columns holding a value that is not a number (the rest become float64 at collation)."""


CHUNK_SUFFIX = ".csv"
"""A chunk is stored as the CSV it was uploaded as (checked, not converted); chunks stored
before that are text-valued Parquet, which collation still reads."""
ROWS_SUFFIX = ".rows.arrow"
DATASET_SUFFIX = ".parquet"


def rows_key(chunk_key: str) -> str:
    """The object holding a CSV chunk's row headers (an Arrow stream, written at upload so the
    conflict checks need not parse the chunks); a Parquet chunk holds its own."""
    if chunk_key.endswith(CHUNK_SUFFIX):
        return chunk_key.removesuffix(CHUNK_SUFFIX) + ROWS_SUFFIX
    return chunk_key


def chunk_objects(chunk_key: str) -> list[str]:
    """Every object stored for one chunk."""
    return list(dict.fromkeys([chunk_key, rows_key(chunk_key)]))


def csv_key(dataset_key: str) -> str:
    """The collated dataset's CSV rendering, written beside its Parquet, which downloads stream
    as it is (datasets collated before it was written have none: they render on download)."""
    return dataset_key.removesuffix(DATASET_SUFFIX) + ".csv"


def dataset_objects(dataset_key: str) -> list[str]:
    return [dataset_key, csv_key(dataset_key)]
