"""Chunked uploads at the boundaries the upload speed work moved (issue 22): chunks are checked
without converting their cells and stored as uploaded, then read as text and typed at
collation. Every CSV quirk the single (inline) path handles collates from chunks to the same
dataset; a bad chunk is refused and leaves nothing behind; conflicts across chunks are still
found; a failed collation leaves no dataset objects; downloads stream the stored CSV, byte for
byte what rendering the Parquet gives."""

from __future__ import annotations

import csv as csvmodule
import io
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy.orm import Session

from modelyard.core.data.datasets import collate, csvfiles, service, shapes
from modelyard.core.data.datasets.jobs import Collator
from modelyard.core.data.datasets.schemas import DatasetCreate
from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs.schemas import ClaimedJob
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables.tabular import TabularChunkRow
from modelyard.errors import Conflict, InvalidInput
from modelyard.storage import ArtifactStore, open_store


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return open_store(str(tmp_path / "artifacts"))


@pytest.fixture
def project(sessions: SessionFactory) -> ProjectRef:
    with transaction(sessions) as session:
        issued = identity.bootstrap(session, admin_email="admin@modelyard.local")
        assert issued is not None
        admin = identity.authenticate(session, issued.token)
        return identity.project_scope(session, admin, "default")


def stored(tmp_path: Path) -> list[str]:
    """Every file under the store, the staging directory included."""
    root = tmp_path / "artifacts"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def upload_file(body: bytes) -> Path:
    handle, name = tempfile.mkstemp(prefix="modelyard-test-chunk-", suffix=".csv")
    with os.fdopen(handle, "wb") as out:
        out.write(body)
    return Path(name)


def put(
    session: Session, store: ArtifactStore, project: ProjectRef, d: uuid.UUID, n: int, body: bytes
) -> None:
    source = upload_file(body)
    try:
        service.put_chunk(session, store, project, d, n, source)
    finally:
        source.unlink(missing_ok=True)


def meta(columns: list[str], rows: int, data: str | None = None) -> DatasetCreate:
    return DatasetCreate(
        name="d",
        row_count=rows,
        column_headers=columns,
        descriptor_columns=[0] * len(columns),
        data=data,
    )


def collate_now(
    sessions: SessionFactory, store: ArtifactStore, project: ProjectRef, d: uuid.UUID
) -> bool:
    job = ClaimedJob(
        uuid.uuid4(), service.COLLATE_KIND, project.id, d, {"dataset_id": str(d)}, 1, 3
    )
    return Collator(sessions, store).run(job).success


def downloaded(session: Session, store: ArtifactStore, project: ProjectRef, d: uuid.UUID) -> str:
    return b"".join(service.download(session, store, project, d)).decode()


def cells(text: str) -> dict[str, list[str]]:
    rows = list(csvmodule.reader(io.StringIO(text, newline="")))
    return {row[0]: row[1:] for row in rows[1:]}


@dataclass(frozen=True)
class Quirk:
    columns: list[str]
    chunks: list[bytes]
    whole: str
    rows: dict[str, list[str]]
    """The downloaded cells: numbers as pyarrow writes float64, empty for a missing value."""


QUIRKS = {
    "quoted newlines, quotes and commas": Quirk(
        columns=["num", "txt"],
        chunks=[
            b',num,txt\nr1,1.5,"line one\nline two"\nr2,"2","say ""hi"""\n',
            b',num,txt\nr3,,"a,b"\nr4,-3e2,"crlf\r\ninside"\n',
        ],
        whole=(
            ',num,txt\nr1,1.5,"line one\nline two"\nr2,"2","say ""hi"""\nr3,,"a,b"\n'
            'r4,-3e2,"crlf\r\ninside"\n'
        ),
        rows={
            "r1": ["1.5", "line one\nline two"],
            "r2": ["2", 'say "hi"'],
            "r3": ["", "a,b"],
            "r4": ["-300", "crlf\r\ninside"],
        },
    ),
    "BOM, CRLF, blank lines, a header-only chunk, no final line break": Quirk(
        columns=["a", "b"],
        chunks=[
            b"\xef\xbb\xbf,a,b\r\nr1,1,2\r\n",
            b",a,b\r\n",
            b",a,b\n\nr2,3,4\n\n",
            b'"",a,b\nr3,5,6\n',
            b",a,b\nr4,7,8",
            b",a,b",
        ],
        whole="\ufeff,a,b\r\nr1,1,2\r\n\nr2,3,4\n\nr3,5,6\nr4,7,8",
        rows={"r1": ["1", "2"], "r2": ["3", "4"], "r3": ["5", "6"], "r4": ["7", "8"]},
    ),
    "empty cells and null words": Quirk(
        columns=["a", "b"],
        chunks=[b',a,b\nr1,,NA\nr2,"",nan\n', b",a,b\nr3,N/A,1\n"],
        whole=',a,b\nr1,,NA\nr2,"",nan\nr3,N/A,1\n',
        rows={"r1": ["", ""], "r2": ["", ""], "r3": ["", "1"]},
    ),
    "a column found to hold text only in the last chunk": Quirk(
        columns=["a", "b"],
        chunks=[b",a,b\nr1,1,2\n", b",a,b\nr2,3.25,4\n", b",a,b\nr3,x,5\n"],
        whole=",a,b\nr1,1,2\nr2,3.25,4\nr3,x,5\n",
        rows={"r1": ["1", "2"], "r2": ["3.25", "4"], "r3": ["x", "5"]},
    ),
    "a number with spaces around it is text, as it was": Quirk(
        columns=["a"],
        chunks=[b",a\nr1, 1.5\n", b",a\nr2,2\n"],
        whole=",a\nr1, 1.5\nr2,2\n",
        rows={"r1": [" 1.5"], "r2": ["2"]},
    ),
    "a row repeated identically across chunks is kept once": Quirk(
        columns=["a"],
        chunks=[',a\nr é,1\n"r,2",2\n'.encode(), b',a\n"r,2",2\nr3,3\n', b",a\nr3,3\n"],
        whole=',a\nr é,1\n"r,2",2\n"r,2",2\nr3,3\nr3,3\n',
        rows={"r é": ["1"], "r,2": ["2"], "r3": ["3"]},
    ),
}


class TestQuirks:
    @pytest.mark.parametrize("name", list(QUIRKS))
    def test_chunks_collate_to_what_the_single_path_makes(
        self,
        name: str,
        sessions: SessionFactory,
        store: ArtifactStore,
        project: ProjectRef,
        tmp_path: Path,
    ) -> None:
        quirk = QUIRKS[name]
        rows = len(quirk.rows)
        with transaction(sessions) as session:
            whole = service.create(
                session, store, project, meta(quirk.columns, rows, quirk.whole), model_id=None
            )
            chunked = service.create(
                session, store, project, meta(quirk.columns, rows), model_id=None
            )
            for number, body in enumerate(quirk.chunks):
                put(session, store, project, chunked.id, number, body)
            service.finish_upload(session, store, project, chunked.id)
        assert collate_now(sessions, store, project, chunked.id)
        with transaction(sessions) as session:
            single = downloaded(session, store, project, whole.id)
            collated = downloaded(session, store, project, chunked.id)
            keys = [service.get(session, project, d).storage_key for d in (whole.id, chunked.id)]
        assert collated == single
        assert cells(collated) == quirk.rows
        assert list(cells(collated)) == list(quirk.rows)
        for key in keys:
            assert key is not None
            rendered = csvfiles.stream_csv((tmp_path / "artifacts" / key).open("rb"))
            assert b"".join(rendered).decode() == collated
        assert not any(".staging" in name for name in stored(tmp_path))

    def test_the_collated_columns_are_typed_as_before(
        self, sessions: SessionFactory, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        quirk = QUIRKS["a column found to hold text only in the last chunk"]
        with transaction(sessions) as session:
            d = service.create(session, store, project, meta(quirk.columns, 3), model_id=None).id
            for number, body in enumerate(quirk.chunks):
                put(session, store, project, d, number, body)
            service.finish_upload(session, store, project, d)
        assert collate_now(sessions, store, project, d)
        with transaction(sessions) as session:
            key = service.get(session, project, d).storage_key
        assert key is not None
        schema = pq.read_schema(tmp_path / "artifacts" / key)
        assert [str(schema.field(n).type) for n in ("", "a", "b")] == ["string", "string", "double"]


BAD_CHUNKS = [
    (b',a,b\nr1,"1,2\n', "line 2"),
    (b",a,b\nr1,1\n", "line 2: expected 3 cells, found 2"),
    (b",a,b\nr1,1,2\nr2,\xff,2\n", "line 3: the text is not UTF-8"),
    (b",a,b\nr1,1,2\nr2,1,2\xe2\x82", "not UTF-8"),
    (b",a,b\nr1,1,2\n,3,4\n", "line 3: the row has no row header"),
    (b"", "the CSV is empty"),
    (b",a,a\nr1,1,2\n", "appears twice"),
    (b",a,b,\nr1,1,2,3\n", "a column header is empty"),
]


class TestBadChunks:
    @pytest.mark.parametrize(("body", "reason"), BAD_CHUNKS)
    def test_are_refused_naming_the_line_and_leave_nothing_behind(
        self,
        body: bytes,
        reason: str,
        session: Session,
        store: ArtifactStore,
        project: ProjectRef,
        tmp_path: Path,
    ) -> None:
        d = service.create(session, store, project, meta(["a", "b"], 1), model_id=None).id
        put(session, store, project, d, 0, b",a,b\nr0,1,2\n")
        before = stored(tmp_path)
        for number in (0, 1):  # replacing a good chunk, and a new one
            with pytest.raises(InvalidInput, match=reason):
                put(session, store, project, d, number, body)
        assert stored(tmp_path) == before
        assert [
            (c.chunk_number, c.row_count) for c in service.list_chunks(session, project, d)
        ] == [(0, 1)]
        service.finish_upload(session, store, project, d)

    def test_the_upload_is_left_to_the_caller_when_refused(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        d = service.create(session, store, project, meta(["a", "b"], 1), model_id=None).id
        source = upload_file(b",a,b\nr1,1\n")
        with pytest.raises(InvalidInput):
            service.put_chunk(session, store, project, d, 0, source)
        assert source.read_bytes() == b",a,b\nr1,1\n"
        source.unlink()


class TestConflictsAcrossChunks:
    def refused(
        self,
        session: Session,
        store: ArtifactStore,
        project: ProjectRef,
        tmp_path: Path,
        d: uuid.UUID,
        reason: str,
    ) -> None:
        before = stored(tmp_path)
        with pytest.raises(Conflict, match=reason):
            service.finish_upload(session, store, project, d)
        assert service.get(session, project, d).status == "uploading"
        assert stored(tmp_path) == before

    def test_a_row_differing_in_a_quoted_multi_line_value_two_chunks_apart(
        self, session: Session, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        d = service.create(session, store, project, meta(["a", "t"], 3), model_id=None).id
        put(session, store, project, d, 0, b',a,t\nr1,1,"x\ny"\n')
        put(session, store, project, d, 1, b",a,t\nr2,2,z\n")
        put(session, store, project, d, 2, b',a,t\nr3,3,w\nr1,1,"x\r\ny"\n')
        self.refused(session, store, project, tmp_path, d, r"row 'r1' .* chunks 0 and 2")

    def test_a_value_against_an_empty_cell(
        self, session: Session, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        d = service.create(session, store, project, meta(["a", "b"], 1), model_id=None).id
        put(session, store, project, d, 0, b",a,b\nr1,1,\n")
        put(session, store, project, d, 1, b",a,b\r\nr1,1,2\r\n")
        self.refused(session, store, project, tmp_path, d, "an empty cell vs '2'")

    def test_repeats_count_once_against_the_declared_row_count(
        self, session: Session, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        d = service.create(session, store, project, meta(["a"], 3), model_id=None).id
        put(session, store, project, d, 0, b",a\nr1,1\nr2,2\n")
        put(session, store, project, d, 1, b",a\nr2,2\nr1,1")
        self.refused(session, store, project, tmp_path, d, "hold 2 distinct rows")

    def test_a_chunk_with_other_column_headers(
        self, session: Session, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        d = service.create(session, store, project, meta(["a", "b"], 2), model_id=None).id
        put(session, store, project, d, 0, b"\xef\xbb\xbf,a,b\nr1,1,2\n")
        put(session, store, project, d, 1, b",a,c\nr2,1,2\n")
        self.refused(session, store, project, tmp_path, d, "chunk 1 has the column headers")


class TestCollationFailure:
    def test_leaves_no_dataset_objects_and_the_chunks_as_they_were(
        self,
        sessions: SessionFactory,
        store: ArtifactStore,
        project: ProjectRef,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        with transaction(sessions) as session:
            d = service.create(session, store, project, meta(["a"], 2), model_id=None).id
            put(session, store, project, d, 0, b",a\nr1,1\n")
            put(session, store, project, d, 1, b",a\nr2,2\n")
            service.finish_upload(session, store, project, d)
        chunks = stored(tmp_path)
        real = service.put_file

        def failing(store: ArtifactStore, key: str, path: Path) -> int:
            if key.endswith(shapes.DATASET_SUFFIX):
                raise OSError("the store went away")
            return real(store, key, path)

        monkeypatch.setattr(service, "put_file", failing)
        assert not collate_now(sessions, store, project, d)
        with transaction(sessions) as session:
            dataset = service.get(session, project, d)
            assert dataset.status == "uploading"
            assert dataset.detail is not None
            assert "the store went away" in dataset.detail
            assert len(service.list_chunks(session, project, d)) == 2
        assert stored(tmp_path) == chunks


class TestChunksStoredBefore:
    """Chunks uploaded before chunks were kept as CSV are text-valued Parquet: they collate."""

    def test_a_parquet_chunk_collates_beside_a_csv_chunk(
        self, sessions: SessionFactory, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        with transaction(sessions) as session:
            d = service.create(session, store, project, meta(["a", "b"], 3), model_id=None)
            source, parsed = tmp_path / "old.csv", tmp_path / "old.parquet"
            source.write_bytes(b',a,b\nr1,1,"x\ny"\nr2,2,\n')
            shape = csvfiles.parse_to_parquet(source, parsed)
            key = f"datasets/{project.id}/{d.id}/chunks/0-{uuid.uuid4().hex}.parquet"
            with parsed.open("rb") as stream:
                store.put(key, stream)
            session.add(
                TabularChunkRow(
                    id=uuid.uuid4(),
                    dataset_id=d.id,
                    chunk_number=0,
                    row_count=shape.row_count,
                    column_headers=shape.column_headers,
                    text_columns=shape.text_columns,
                    storage_key=key,
                )
            )
            session.flush()
            put(session, store, project, d.id, 1, b",a,b\nr2,2,\nr3,3,z\n")
            service.finish_upload(session, store, project, d.id)
        assert collate_now(sessions, store, project, d.id)
        with transaction(sessions) as session:
            text = downloaded(session, store, project, d.id)
        assert cells(text) == {"r1": ["1", "x\ny"], "r2": ["2", ""], "r3": ["3", "z"]}
        assert [name.rsplit(".", 1)[1] for name in stored(tmp_path)] == ["csv", "parquet"]


class TestDownload:
    def test_a_dataset_without_its_csv_object_is_rendered_from_parquet(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        d = service.create(
            session, store, project, meta(["a", "b"], 2, ",a,b\nr1,1,x\nr2,,y\n"), model_id=None
        )
        assert d.storage_key is not None
        streamed = downloaded(session, store, project, d.id)
        store.delete(shapes.csv_key(d.storage_key))
        assert downloaded(session, store, project, d.id) == streamed
        assert streamed.splitlines()[1:] == ['"r1",1,"x"', '"r2",,"y"']


class TestUtf8Check:
    """The UTF-8 check reads a block at a time: a character cut by a block's end is whole."""

    @pytest.mark.parametrize("block", [1, 2, 3, 5, 7, 64])
    def test_agrees_with_python_whatever_the_block_size(
        self, block: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(csvfiles, "BLOCK", max(block, 4))
        samples = [
            "a,é,€,𝄞\n".encode() * 3,
            b"a\xc3",
            b"\xe2\x82",
            b"ab\xff",
            b"\xed\xa0\x80",
            b"\xc0\xaf",
            b"\xf4\x90\x80\x80",
            b"",
            "𝄞".encode() + b"\x80",
        ]
        for sample in samples:
            path = tmp_path / "sample"
            path.write_bytes(sample)
            try:
                sample.decode("utf-8")
                expected = True
            except UnicodeDecodeError:
                expected = False
            assert csvfiles._is_utf8(path) is expected, sample


class TestRowHashes:
    """Row headers are hashed a slice at a time: the same header hashes alike wherever it is."""

    def test_do_not_depend_on_the_slices(self, monkeypatch: pytest.MonkeyPatch) -> None:
        names = [f"r{i}" for i in range(50)] + ["é", "r7", "a longer row header", "r49"]
        headers = pa.chunked_array([names[:20], names[20:]])
        whole = collate.row_hashes(headers)
        monkeypatch.setattr(collate, "HASH_ROWS", 3)
        sliced = collate.row_hashes(headers)
        assert sliced.tolist() == whole.tolist()
        assert len(set(whole.tolist())) == len(set(names))
        assert whole[names.index("r7")] == whole[51]
        assert collate.row_hashes(pa.array(names).slice(7, 40)).tolist() == whole[7:47].tolist()
