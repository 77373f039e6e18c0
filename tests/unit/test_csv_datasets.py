"""CSV parsing, validation and streaming of tabular datasets (pure file work, no database)."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from modelyard.core.data.datasets import collate, csvfiles, shapes
from modelyard.errors import Conflict, InvalidInput


def parse(tmp_path: Path, text: str, name: str = "c") -> Path:
    source, target = tmp_path / f"{name}.csv", tmp_path / f"{name}.parquet"
    source.write_text(text)
    csvfiles.parse_to_parquet(source, target)
    return target


def stored(path: Path, number: int = 0) -> shapes.StoredChunk:
    table = pq.read_table(path)
    text = [
        name
        for name in table.column_names[1:]
        if any(v is not None and not _number(v) for v in table.column(name).to_pylist())
    ]
    return shapes.StoredChunk(number, str(path), table.column_names[1:], table.num_rows, text)


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def opener(key: str) -> io.BufferedReader:
    return Path(key).open("rb")


class TestParse:
    def test_keeps_every_cell_as_text_and_empty_cells_as_nulls(self, tmp_path: Path) -> None:
        table = pq.read_table(parse(tmp_path, ',a,b\nr1,0.10,\nr2,"x,y",3\n'))
        assert table.column_names == ["", "a", "b"]
        assert table.to_pydict() == {"": ["r1", "r2"], "a": ["0.10", "x,y"], "b": [None, "3"]}

    def test_finds_the_columns_that_are_not_numbers(self, tmp_path: Path) -> None:
        source = tmp_path / "t.csv"
        source.write_text(",a,b,c\nr1,1e3,x,\nr2,-2.5,1,\n")
        shape = csvfiles.parse_to_parquet(source, tmp_path / "t.parquet")
        assert shape.text_columns == ["b"]
        assert shape.row_count == 2

    @pytest.mark.parametrize(
        ("text", "line"),
        [
            (",a,b\nr1,1,2\nr2,3\n", "line 3: expected 3 cells, found 2"),
            (",a,b\nr1,1,2\nr2,1,2,3\nr3,1,2\n", "line 3: expected 3 cells, found 4"),
            (',a,b\nr1,1,2\nr2,"3,4\nr3,5,6\n', "line 3"),
            (',a,b\nr1,"multi\nline",2\nr2,1\n', "line 4"),
        ],
    )
    def test_a_malformed_row_names_its_line(self, tmp_path: Path, text: str, line: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            parse(tmp_path, text)
        assert line in caught.value.message

    @pytest.mark.parametrize(
        ("text", "reason"),
        [("", "empty"), (",a,a\nr,1,2\n", "appears twice"), (",\n", "empty"), ("\n", "empty")],
    )
    def test_a_bad_header_is_refused(self, tmp_path: Path, text: str, reason: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            parse(tmp_path, text)
        assert reason in caught.value.message

    def test_a_row_without_a_row_header_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput) as caught:
            parse(tmp_path, ",a\nr1,1\n,2\n")
        assert "line 3" in caught.value.message


class TestConflicts:
    def test_headers_that_differ_from_the_declared_ones(self, tmp_path: Path) -> None:
        chunk = stored(parse(tmp_path, ",b,a\nr1,1,2\n"))
        with pytest.raises(Conflict, match="chunk 0 has the column headers"):
            collate.find_conflicts(opener, [chunk], declared=["a", "b"], row_count=1)

    def test_fewer_rows_than_declared(self, tmp_path: Path) -> None:
        chunk = stored(parse(tmp_path, ",a\nr1,1\n"))
        with pytest.raises(Conflict, match="1 distinct rows, but the dataset's rowCount is 2"):
            collate.find_conflicts(opener, [chunk], declared=["a"], row_count=2)

    def test_the_same_row_with_other_values(self, tmp_path: Path) -> None:
        chunks = [
            stored(parse(tmp_path, ",a\nr1,1\n", "x"), 0),
            stored(parse(tmp_path, ",a\nr1,\n", "y"), 3),
        ]
        with pytest.raises(Conflict, match="row 'r1' has different values in chunks 0 and 3"):
            collate.find_conflicts(opener, chunks, declared=["a"], row_count=1)

    def test_a_repeated_identical_row_counts_once_and_is_written_once(self, tmp_path: Path) -> None:
        chunks = [
            stored(parse(tmp_path, ",a,t\nr1,1,x\nr2,2,y\n", "x"), 0),
            stored(parse(tmp_path, ",a,t\nr2,2,y\nr3,1e3,z\n", "y"), 1),
        ]
        collate.find_conflicts(opener, chunks, declared=["a", "t"], row_count=3)
        target = tmp_path / "all.parquet"
        collate.write_collated(opener, chunks, ["a", "t"], parquet=target, csv=tmp_path / "all.csv")
        table = pq.read_table(target)
        assert table.to_pydict() == {
            "": ["r1", "r2", "r3"],
            "a": [1.0, 2.0, 1000.0],
            "t": ["x", "y", "z"],
        }
        assert str(table.schema.field("a").type) == "double"


class TestStreamCsv:
    def test_round_trips_values_with_empty_cells(self, tmp_path: Path) -> None:
        chunk = stored(parse(tmp_path, ",a,t\nr1,0.105,\nr2,,q\n"))
        target = tmp_path / "all.parquet"
        collate.write_collated(
            opener, [chunk], ["a", "t"], parquet=target, csv=tmp_path / "all.csv"
        )
        text = b"".join(csvfiles.stream_csv(target.open("rb"))).decode()
        assert text.splitlines() == ['"","a","t"', '"r1",0.105,', '"r2",,"q"']
        assert (tmp_path / "all.csv").read_text() == text  # what downloads stream as stored
