"""Collating a chunked upload: the conflict checks, then one typed Parquet file.

``find_conflicts`` is cheap enough to run while the user waits (it reads only the row-header
column of each chunk, plus the rows whose header appears more than once), so a conflict is
refused with 409 before anything changes. ``write_collated`` does the heavy part in the
background: a column whose every value parses as a number (as found when each chunk was
parsed) becomes float64, the rest stay text; a row repeated identically in two chunks is kept
once. Chunks are read a slice at a time, and repeated row headers are found by hash, so memory
stays bounded however large the dataset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from modelyard.core.data.datasets.csvfiles import ROW
from modelyard.core.data.datasets.shapes import Opener, StoredChunk
from modelyard.errors import Conflict

BATCH_ROWS = 65_536


def _read(open_key: Opener, key: str, columns: list[str] | None = None) -> pa.Table:
    with open_key(key) as stream:
        return pq.read_table(stream, columns=columns)


def _batches(open_key: Opener, key: str, columns: list[str] | None = None) -> Iterator[pa.Table]:
    """A stored chunk a slice at a time, so collating holds one slice, not one chunk."""
    with open_key(key) as stream:
        for batch in pq.ParquetFile(stream).iter_batches(BATCH_ROWS, columns=columns):
            yield pa.Table.from_batches([batch])


def check_headers(chunks: Sequence[StoredChunk], declared: list[str]) -> None:
    """Every chunk has the declared column headers, in order."""
    for chunk in chunks:
        if chunk.column_headers != declared:
            raise Conflict(
                f"chunk {chunk.number} has the column headers {chunk.column_headers}, but the "
                f"dataset's columnHeaders are {declared}",
                field="columnHeaders",
            )


PRIME = 0x100000001B3
INVERSE = pow(PRIME, -1, 2**64)


def _powers(base: int, count: int) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """``base**0 … base**(count-1)`` modulo 2**64 (numpy's unsigned arithmetic wraps)."""
    powers = np.full(count, base, dtype=np.uint64)
    powers[0] = 1
    return np.cumprod(powers, dtype=np.uint64)


def row_hashes(headers: pa.Array | pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """A 64-bit polynomial hash of each row header, computed on Arrow's buffers in numpy.

    Finding repeated row headers by hash needs 8 bytes a row, where a hash table of the
    strings themselves needs many times that; candidates are then compared as strings."""
    array = headers.combine_chunks() if isinstance(headers, pa.ChunkedArray) else headers
    array = pc.cast(array, pa.string())
    if len(array) == 0:
        return np.empty(0, dtype=np.uint64)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[
        array.offset : array.offset + len(array) + 1
    ]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    starts = (offsets[:-1] - offsets[0]).astype(np.int64)
    weighted = (data.astype(np.uint64) + np.uint64(1)) * _powers(PRIME, len(data))
    sums: np.ndarray[Any, np.dtype[np.uint64]] = np.add.reduceat(weighted, starts)
    hashes: np.ndarray[Any, np.dtype[np.uint64]] = sums * _powers(INVERSE, len(data))[starts]
    return hashes


def _chunk_hashes(open_key: Opener, chunk: StoredChunk) -> np.ndarray[Any, np.dtype[np.uint64]]:
    return row_hashes(_read(open_key, chunk.key, [ROW]).column(0))


def _suspects(open_key: Opener, chunks: Sequence[StoredChunk]) -> np.ndarray[Any, Any]:
    """Hashes seen more than once: one array of every row's hash, sorted in place."""
    hashes = np.empty(sum(c.row_count for c in chunks), dtype=np.uint64)
    at = 0
    for chunk in chunks:
        part = _chunk_hashes(open_key, chunk)
        hashes[at : at + len(part)] = part
        at += len(part)
    hashes = hashes[:at]
    hashes.sort()
    return np.unique(hashes[1:][hashes[1:] == hashes[:-1]])


def _repeated(open_key: Opener, chunks: Sequence[StoredChunk]) -> tuple[pa.Array, int]:
    """Row headers seen more than once across the chunks, and how many extra copies there are."""
    suspects = _suspects(open_key, chunks)
    counts: Counter[str] = Counter()
    if len(suspects):
        for chunk in chunks:
            mask = pa.array(np.isin(_chunk_hashes(open_key, chunk), suspects))
            headers = _read(open_key, chunk.key, [ROW]).column(0).filter(mask)
            counts.update(headers.to_pylist())
    repeated = sorted(header for header, n in counts.items() if n > 1)
    extra = sum(counts[header] - 1 for header in repeated)
    return pa.array(repeated, pa.string()), extra


def _compare_repeats(open_key: Opener, chunks: Sequence[StoredChunk], repeated: pa.Array) -> None:
    seen: dict[str, tuple[int, dict[str, Any]]] = {}
    for chunk in chunks:
        table = _read(open_key, chunk.key)
        rows = table.filter(pc.is_in(table.column(ROW), value_set=repeated)).to_pylist()
        for row in rows:
            header = row.pop(ROW)
            if header not in seen:
                seen[header] = (chunk.number, row)
                continue
            first_chunk, first = seen[header]
            for column, value in row.items():
                if first.get(column) != value:
                    raise Conflict(
                        f"row '{header}' has different values in chunks {first_chunk} and "
                        f"{chunk.number} (column '{column}': {_cell(first.get(column))} vs "
                        f"{_cell(value)})",
                        field="chunks",
                    )


def _cell(value: object) -> str:
    return "an empty cell" if value is None else f"'{value}'"


def find_conflicts(
    open_key: Opener, chunks: Sequence[StoredChunk], *, declared: list[str], row_count: int
) -> None:
    """Refuse (Conflict) chunks that disagree on headers or on a row, or whose distinct rows
    are not the ``rowCount`` the upload declared."""
    if not chunks:
        raise Conflict("no chunks have been uploaded", field="chunks")
    check_headers(chunks, declared)
    repeated, extra = _repeated(open_key, chunks)
    if len(repeated):
        _compare_repeats(open_key, chunks, repeated)
    pa.default_memory_pool().release_unused()
    distinct = sum(c.row_count for c in chunks) - extra
    if distinct != row_count:
        raise Conflict(
            f"the chunks hold {distinct} distinct rows, but the dataset's rowCount is {row_count}",
            field="rowCount",
        )


def write_collated(
    open_key: Opener, chunks: Sequence[StoredChunk], columns: list[str], target: Path
) -> None:
    """One Parquet file of every chunk in order, typed, each repeated row kept once."""
    text = {name for chunk in chunks for name in chunk.text_columns}
    schema = pa.schema(
        [(ROW, pa.string())]
        + [(name, pa.string() if name in text else pa.float64()) for name in columns]
    )
    repeated, _ = _repeated(open_key, chunks)
    written: set[str] = set()
    with pq.ParquetWriter(target, schema) as writer:
        for chunk in chunks:
            for part in _batches(open_key, chunk.key):
                table = part.cast(schema)
                if len(repeated):
                    table = _drop_written(table, repeated, written)
                writer.write_table(table)
    pa.default_memory_pool().release_unused()


def _drop_written(table: pa.Table, repeated: pa.Array, written: set[str]) -> pa.Table:
    """Rows whose header is repeated are kept only the first time they are written."""
    mask = pc.is_in(table.column(ROW), value_set=repeated)
    if not pc.any(mask).as_py():
        return table
    headers = table.column(ROW).to_pylist()
    is_repeated = mask.to_pylist()
    keep = []
    for header, repeat in zip(headers, is_repeated, strict=True):
        keep.append(not repeat or header not in written)
        if repeat:
            written.add(header)
    return table.filter(pa.array(keep))
