"""CSV in and out of Parquet, streamed, so memory stays flat however large a dataset is.

A dataset CSV has a header row whose first cell (the row-header column) is empty, then one row
per sample, its first cell naming the row. An uploaded chunk (and a whole dataset given inline)
is checked by ``check_chunk`` without converting its cells: pyarrow's streaming reader splits
every record (so a row with the wrong number of cells or an unterminated quoted value is
refused) but converts only the row headers, which are kept beside the chunk for the conflict
checks; the text is checked to be UTF-8 on its own. The chunk is then stored as uploaded, and
its cells are read as text (empty cells as nulls) and typed once, when the chunks are collated.
pyarrow reports a malformed row without its line number, so on failure the file is read once
more with the ``csv`` module to name the line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from modelyard.core.data.datasets.shapes import BLOCK, ChunkShape
from modelyard.errors import InvalidInput

ROW = ""
"""The row-header column: its header cell is empty in the vendor's CSV, and so in Parquet."""
BATCH_ROWS = 65_536
PARSE_BLOCK = 1024 * 1024
"""Bytes of CSV parsed at a time: as fast as larger blocks, and pyarrow reads ahead a few, so
larger ones cost memory while collating."""


def _invalid(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, field=field)


def _not_utf8(record: list[str]) -> bool:
    try:
        "".join(record).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _open_text(source: Path) -> IO[str]:
    """The file as text for the ``csv`` module: bytes that are not UTF-8 come through as lone
    surrogates, so the record holding them can be named."""
    return source.open(newline="", encoding="utf-8-sig", errors="surrogateescape")


def read_header(source: Path, *, field: str) -> list[str]:
    """The header row, checked: a row-header cell first, then unique, non-empty names."""
    with _open_text(source) as text:
        try:
            header = next(csv.reader(text, strict=True), None)
        except csv.Error as exc:
            raise _invalid(f"line 1: the header row cannot be read ({exc})", field) from exc
    if header and _not_utf8(header):
        raise _invalid("line 1: the text is not UTF-8", field)
    if not header:
        raise _invalid("the CSV is empty: it needs a header row of column names", field)
    columns = header[1:]
    if not columns:
        raise _invalid("line 1: the header names no columns after the row-header cell", field)
    seen: set[str] = set()
    for name in columns:
        if not name.strip():
            raise _invalid("line 1: a column header is empty", field)
        if name in seen:
            raise _invalid(f"line 1: the column header '{name}' appears twice", field)
        seen.add(name)
    return columns


def locate_problem(source: Path, expected: int) -> str | None:
    """The first malformed record, as a message naming its line: a row with the wrong number
    of cells, an unterminated quoted value or text that is not UTF-8."""
    line = 1
    try:
        with _open_text(source) as text:
            reader = csv.reader(text, strict=True)
            for record in reader:
                if _not_utf8(record):
                    return f"line {line}: the text is not UTF-8"
                if record and len(record) != expected:
                    return f"line {line}: expected {expected} cells, found {len(record)}"
                line = reader.line_num + 1
    except csv.Error as exc:
        return f"line {line}: malformed CSV ({exc}; is a quoted value left unterminated?)"
    return None


def open_text(
    source: Path | BinaryIO, columns: list[str], *, only: list[str] | None = None
) -> pacsv.CSVStreamingReader:
    """A dataset CSV read a block at a time, every cell as text (empty cells as nulls); with
    ``only``, every record is still split and counted but only those columns converted."""
    names = [ROW, *columns]
    return pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(block_size=PARSE_BLOCK, column_names=names, skip_rows=1),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=True,
            include_columns=only,
        ),
    )


def check_chunk(source: Path, row_headers: Path, *, field: str = "body") -> ChunkShape:
    """Validate the CSV at ``source`` (header, records, row headers, UTF-8) without converting
    its cells, and write its row headers to ``row_headers`` as an Arrow stream. A last record
    without its line break gets one (pyarrow cannot skip a header row that lacks it)."""
    columns = read_header(source, field=field)
    _end_with_newline(source)
    rows = 0
    try:
        reader = open_text(source, columns, only=[ROW])
        schema = pa.schema([(ROW, pa.string())])
        with pa.OSFile(str(row_headers), "wb") as sink, pa.ipc.new_stream(sink, schema) as out:
            for batch in reader:
                _check_row_headers(batch, first_line=rows + 2, field=field)
                out.write_batch(batch)
                rows += batch.num_rows
        utf8 = _is_utf8(source)
    except pa.ArrowInvalid as exc:
        problem = locate_problem(source, len(columns) + 1)
        raise _invalid(problem or f"malformed CSV: {exc}", field) from exc
    finally:
        pa.default_memory_pool().release_unused()
    if not utf8:
        raise _invalid(locate_problem(source, len(columns) + 1) or "not UTF-8", field)
    return ChunkShape(column_headers=columns, row_count=rows, text_columns=[])


def _end_with_newline(source: Path) -> None:
    with source.open("rb+") as stream:
        stream.seek(-1, io.SEEK_END)
        if stream.read(1) not in (b"\n", b"\r"):
            stream.write(b"\n")


def _is_utf8(source: Path) -> bool:
    """Whether the file is UTF-8, checked by Arrow a block at a time into one reused buffer
    (no text is made); a character cut by the block's end is carried into the next block."""
    buffer = memoryview(bytearray(BLOCK))
    kept = 0
    with source.open("rb", buffering=0) as stream:
        while read := stream.readinto(buffer[kept:]):
            size = kept + read
            end = _whole_characters(buffer, size)
            if not _valid_utf8(buffer[:end]):
                return False
            kept = size - end
            buffer[:kept] = buffer[end:size]
    return kept == 0


def _whole_characters(data: memoryview, size: int) -> int:
    """Where the last whole character of ``data[:size]`` ends (malformed bytes are left in,
    for the check to refuse)."""
    for back in range(1, min(4, size) + 1):
        byte = data[size - back]
        if byte < 0x80:
            return size
        if byte >= 0xC0:
            length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return size if back >= length else size - back
    return size


def _valid_utf8(data: memoryview) -> bool:
    offsets = pa.array([0, len(data)], pa.int32()).buffers()[1]
    text = pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.cast(pa.string())
    except pa.ArrowInvalid:
        return False
    return True


def parse_to_parquet(source: Path, target: Path, *, field: str = "body") -> ChunkShape:
    """Validate the CSV at ``source`` and write it to ``target`` as text-valued Parquet (the
    rows given inline to predict and impute)."""
    columns = read_header(source, field=field)
    rows, text = 0, set[str]()
    try:
        reader = open_text(source, columns)
        with pq.ParquetWriter(target, reader.schema) as writer:
            for batch in reader:
                _check_row_headers(batch, first_line=rows + 2, field=field)
                text |= text_columns(batch, skip=text)
                writer.write_batch(batch)
                rows += batch.num_rows
    except pa.ArrowInvalid as exc:
        problem = locate_problem(source, len(columns) + 1)
        raise _invalid(problem or f"malformed CSV: {exc}", field) from exc
    finally:
        pa.default_memory_pool().release_unused()
    return ChunkShape(
        column_headers=columns, row_count=rows, text_columns=[c for c in columns if c in text]
    )


def text_columns(batch: pa.RecordBatch | pa.Table, *, skip: set[str]) -> set[str]:
    """The columns of ``batch`` (beyond ``skip``) with a cell that does not parse as a number."""
    found = set()
    for name in batch.schema.names[1:]:
        if name in skip:
            continue
        try:
            pc.cast(batch.column(name), pa.float64())
        except pa.ArrowInvalid:
            found.add(name)
    return found


def _check_row_headers(batch: pa.RecordBatch, *, first_line: int, field: str) -> None:
    headers = batch.column(0)
    if headers.null_count:
        index = next(i for i, value in enumerate(headers.is_null().to_pylist()) if value)
        raise _invalid(f"line {first_line + index}: the row has no row header", field)


def text_to_file(data: str, target: Path, *, field: str = "data") -> None:
    """A CSV given inline (the ``data`` field) written out, so one parser serves both paths;
    a lone surrogate (JSON can carry one, UTF-8 cannot) is refused naming its line."""
    try:
        encoded = data.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = data.count("\n", 0, exc.start) + 1
        raise _invalid(
            f"line {line}: the text holds a lone surrogate (U+{ord(data[exc.start]):04X}), "
            "which is not UTF-8",
            field,
        ) from exc
    target.write_bytes(encoded)


def stream_csv(source: BinaryIO) -> Iterator[bytes]:
    """A stored Parquet dataset as CSV bytes, a batch at a time (missing values: empty cells)."""
    try:
        parquet = pq.ParquetFile(source)
        first = True
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            out = io.BytesIO()
            pacsv.write_csv(batch, out, pacsv.WriteOptions(include_header=first))
            first = False
            yield out.getvalue()
        if first:
            out = io.BytesIO()
            pacsv.write_csv(parquet.schema_arrow.empty_table(), out)
            yield out.getvalue()
    finally:
        source.close()
