"""Collating a chunked upload: the conflict checks, then one typed Parquet file and its CSV.

``find_conflicts`` is cheap enough to run while the user waits: it reads only the row headers
kept beside each chunk (and the rows of the chunks where a row header appears more than once),
so a conflict is refused with 409 before anything changes. ``write_collated`` does the heavy
part in the background: every chunk is read as text a block at a time, a column whose every
value parses as a number becomes float64, the rest stay text, and a row repeated identically
in two chunks is kept once. Which columns hold text is found while writing: should a column
written as numbers meet a value that is not one, the chunks from there on are searched for
every such column and the write starts again with them as text (at most once). Repeated row
headers are found by hash, so memory stays bounded however large the dataset. The dataset is
written as Parquet (typed, for training) and as the CSV that downloads stream unchanged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from modelyard.core.data.datasets import csvfiles
from modelyard.core.data.datasets.csvfiles import ROW
from modelyard.core.data.datasets.shapes import (
    CHUNK_SUFFIX,
    ROWS_SUFFIX,
    Opener,
    StoredChunk,
    rows_key,
)
from modelyard.errors import Conflict

BATCH_ROWS = 65_536
HASH_ROWS = 16_384


def row_headers(open_key: Opener, chunk: StoredChunk) -> pa.Array:
    """A chunk's row headers: the Arrow stream kept beside a CSV chunk, or the first column of
    a chunk stored as Parquet."""
    key = rows_key(chunk.key)
    with open_key(key) as stream:
        if key.endswith(ROWS_SUFFIX):
            table = pa.ipc.open_stream(stream).read_all()
        else:
            table = pq.read_table(stream, columns=[ROW])
    return table.column(0).combine_chunks()


def text_batches(open_key: Opener, chunk: StoredChunk) -> Iterator[pa.Table]:
    """A stored chunk a block at a time, every cell as text, so collating holds one block."""
    with open_key(chunk.key) as stream:
        if chunk.key.endswith(CHUNK_SUFFIX):
            batches: Iterator[pa.RecordBatch] = csvfiles.open_text(stream, chunk.column_headers)
        else:
            batches = pq.ParquetFile(stream).iter_batches(BATCH_ROWS)
        for batch in batches:
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
    strings themselves needs many times that; candidates are then compared as strings. The
    work arrays (8 bytes per character) are made ``HASH_ROWS`` rows at a time."""
    array = headers.combine_chunks() if isinstance(headers, pa.ChunkedArray) else headers
    array = pc.cast(array, pa.string())
    hashes = np.empty(len(array), dtype=np.uint64)
    for start in range(0, len(array), HASH_ROWS):
        hashes[start : start + HASH_ROWS] = _hashes(array.slice(start, HASH_ROWS))
    return hashes


def _hashes(array: pa.Array) -> np.ndarray[Any, np.dtype[np.uint64]]:
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[
        array.offset : array.offset + len(array) + 1
    ]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    starts = (offsets[:-1] - offsets[0]).astype(np.int64)
    weighted = (data.astype(np.uint64) + np.uint64(1)) * _powers(PRIME, len(data))
    sums: np.ndarray[Any, np.dtype[np.uint64]] = np.add.reduceat(weighted, starts)
    hashes: np.ndarray[Any, np.dtype[np.uint64]] = sums * _powers(INVERSE, len(data))[starts]
    return hashes


def _suspects(open_key: Opener, chunks: Sequence[StoredChunk]) -> np.ndarray[Any, Any]:
    """Hashes seen more than once: one array of every row's hash, sorted in place."""
    hashes = np.empty(sum(c.row_count for c in chunks), dtype=np.uint64)
    at = 0
    for chunk in chunks:
        part = row_hashes(row_headers(open_key, chunk))
        hashes[at : at + len(part)] = part
        at += len(part)
    hashes = hashes[:at]
    hashes.sort()
    return np.unique(hashes[1:][hashes[1:] == hashes[:-1]])


@dataclass(frozen=True)
class Repeats:
    """Row headers seen more than once across the chunks, how many extra copies there are,
    and which chunks hold one."""

    headers: pa.Array
    extra: int
    chunks: frozenset[int]


def find_repeats(open_key: Opener, chunks: Sequence[StoredChunk]) -> Repeats:
    suspects = _suspects(open_key, chunks)
    counts: Counter[str] = Counter()
    found: dict[int, set[str]] = {}
    if len(suspects):
        for chunk in chunks:
            headers = row_headers(open_key, chunk)
            mask = pa.array(np.isin(row_hashes(headers), suspects))
            if names := headers.filter(mask).to_pylist():
                counts.update(names)
                found[chunk.number] = set(names)
    repeated = {header for header, n in counts.items() if n > 1}
    return Repeats(
        headers=pa.array(sorted(repeated), pa.string()),
        extra=sum(counts[header] - 1 for header in repeated),
        chunks=frozenset(number for number, names in found.items() if names & repeated),
    )


def _compare_repeats(open_key: Opener, chunks: Sequence[StoredChunk], repeats: Repeats) -> None:
    seen: dict[str, tuple[int, dict[str, Any]]] = {}
    for chunk in chunks:
        if chunk.number not in repeats.chunks:
            continue
        for part in text_batches(open_key, chunk):
            mask = pc.is_in(part.column(ROW), value_set=repeats.headers)
            for row in part.filter(mask).to_pylist():
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
    try:
        repeats = find_repeats(open_key, chunks)
        if len(repeats.headers):
            _compare_repeats(open_key, chunks, repeats)
    finally:
        pa.default_memory_pool().release_unused()
    distinct = sum(c.row_count for c in chunks) - repeats.extra
    if distinct != row_count:
        raise Conflict(
            f"the chunks hold {distinct} distinct rows, but the dataset's rowCount is {row_count}",
            field="rowCount",
        )


def write_collated(
    open_key: Opener,
    chunks: Sequence[StoredChunk],
    columns: list[str],
    *,
    parquet: Path,
    csv: Path,
) -> None:
    """One Parquet file and one CSV of every chunk in order, typed, each repeated row kept
    once."""
    text = {name for chunk in chunks for name in chunk.text_columns}
    try:
        repeats = find_repeats(open_key, chunks)
        while (
            found := _write(open_key, chunks, _schema(columns, text), repeats, parquet, csv)
        ) is not None:
            if not found:
                raise RuntimeError("a column failed to become numbers, yet none holds text")
            text |= found
    finally:
        pa.default_memory_pool().release_unused()


def _schema(columns: list[str], text: set[str]) -> pa.Schema:
    return pa.schema(
        [(ROW, pa.string())]
        + [(name, pa.string() if name in text else pa.float64()) for name in columns]
    )


def _write(
    open_key: Opener,
    chunks: Sequence[StoredChunk],
    schema: pa.Schema,
    repeats: Repeats,
    parquet: Path,
    csv: Path,
) -> set[str] | None:
    """Write the chunks as ``schema`` (None once done); should a numeric column hold text, stop
    and return every such column from that chunk on (what was written is to be written again).
    Only text columns are dictionary-encoded: numbers and row headers rarely repeat, and the
    attempt costs memory and time."""
    written: set[str] = set()
    text = [field.name for field in schema if field.type == pa.string() and field.name != ROW]
    with (
        pq.ParquetWriter(parquet, schema, use_dictionary=text) as tables,
        pacsv.CSVWriter(csv, schema) as lines,
    ):
        group = RowGroup(tables)
        for index, chunk in enumerate(chunks):
            for part in text_batches(open_key, chunk):
                if len(repeats.headers):
                    part = _drop_written(part, repeats.headers, written)
                typed = _typed(part, schema)
                if typed is None:
                    return _text_columns(open_key, chunks[index:], schema)
                group.add(typed)
                lines.write_table(typed)
            pa.default_memory_pool().release_unused()
        group.flush()
    return None


class RowGroup:
    """Blocks gathered into Parquet row groups of about ``BATCH_ROWS`` rows (each block read
    is small, to keep memory low; a row group per block would make thousands)."""

    def __init__(self, writer: pq.ParquetWriter) -> None:
        self.writer, self.parts, self.rows = writer, list[pa.Table](), 0

    def add(self, part: pa.Table) -> None:
        self.parts.append(part)
        self.rows += part.num_rows
        if self.rows >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.writer.write_table(pa.concat_tables(self.parts))
        self.parts, self.rows = [], 0


def _typed(part: pa.Table, schema: pa.Schema) -> pa.Table | None:
    """The text block cast to ``schema``, or None when a numeric column holds text."""
    arrays = []
    for field in schema:
        column = part.column(field.name)
        try:
            arrays.append(column if field.type == pa.string() else pc.cast(column, field.type))
        except pa.ArrowInvalid:
            return None
    return pa.Table.from_arrays(arrays, schema=schema)


def _text_columns(open_key: Opener, chunks: Sequence[StoredChunk], schema: pa.Schema) -> set[str]:
    known = {field.name for field in schema if field.type == pa.string()}
    found: set[str] = set()
    for chunk in chunks:
        for part in text_batches(open_key, chunk):
            found |= csvfiles.text_columns(part, skip=known | found)
    return found


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
