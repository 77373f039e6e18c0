"""What the dataset services pass around without touching Arrow: a stored chunk, a parsed
chunk's shape, the stream opener, the read block size.

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
