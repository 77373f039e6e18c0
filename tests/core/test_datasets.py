"""Dataset services on a real database and a real local store: whole and chunked uploads,
replacement, restart, collation by the job, conflicts that change nothing, deletion."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from modelyard.core.data.datasets import service
from modelyard.core.data.datasets.jobs import Collator
from modelyard.core.data.datasets.schemas import DatasetCreate
from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs.schemas import ClaimedJob
from modelyard.db.engine import SessionFactory, transaction
from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.storage import ArtifactStore, open_store
from tests.storage.s3server import moto_server, new_bucket, use_test_credentials


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


def keys(tmp_path: Path) -> list[str]:
    root = tmp_path / "artifacts"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def suffixes(names: list[str]) -> list[str]:
    return sorted(name[name.index(".") :] for name in names)


def meta(rows: int, data: str | None = None) -> DatasetCreate:
    return DatasetCreate(
        name="d", row_count=rows, column_headers=["a", "b"], descriptor_columns=[1, 0], data=data
    )


def csv(text: str | bytes) -> Path:
    """An uploaded chunk's file, as the route hands it over (the service moves it away)."""
    handle, name = tempfile.mkstemp(prefix="modelyard-test-chunk-", suffix=".csv")
    with os.fdopen(handle, "wb") as out:
        out.write(text.encode() if isinstance(text, str) else text)
    return Path(name)


def collate_now(
    sessions: SessionFactory, store: ArtifactStore, project: ProjectRef, d: uuid.UUID
) -> None:
    job = ClaimedJob(
        uuid.uuid4(), service.COLLATE_KIND, project.id, d, {"dataset_id": str(d)}, 1, 3
    )
    assert Collator(sessions, store).run(job).success


class TestWhole:
    def test_is_uploaded_at_once_and_downloads(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        created = service.create(
            session, store, project, meta(2, ",a,b\nr1,1,x\nr2,,y\n"), model_id=None
        )
        assert created.status == "uploaded"
        text = b"".join(service.download(session, store, project, created.id)).decode()
        assert text.splitlines()[1:] == ['"r1",1,"x"', '"r2",,"y"']

    def test_a_bad_csv_leaves_nothing_behind(
        self, session: Session, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        with pytest.raises(InvalidInput, match="line 3"):
            service.create(session, store, project, meta(2, ",a,b\nr1,1,2\nr2\n"), model_id=None)
        with pytest.raises(Conflict, match="rowCount"):
            service.create(session, store, project, meta(3, ",a,b\nr1,1,2\n"), model_id=None)
        with pytest.raises(InvalidInput, match="are not the dataset's columnHeaders"):
            service.create(session, store, project, meta(1, ",b,a\nr1,1,2\n"), model_id=None)
        assert keys(tmp_path) == []


class TestChunks:
    def test_replace_delete_restart_keep_only_live_objects(
        self, session: Session, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        d = service.create(session, store, project, meta(2), model_id=None).id
        service.put_chunk(session, store, project, d, 0, csv(",a,b\nr1,1,2\n"))
        service.put_chunk(session, store, project, d, 0, csv(",a,b\nr1,1,2\nr2,3,4\n"))
        assert [c.row_count for c in service.list_chunks(session, project, d)] == [2]
        assert suffixes(keys(tmp_path)) == [".csv", ".rows.arrow"]
        service.put_chunk(session, store, project, d, 1, csv(",a,b\nr3,1,2\n"))
        service.delete_chunk(session, store, project, d, 1)
        with pytest.raises(NotFound):
            service.get_chunk(session, project, d, 1)
        service.restart(session, store, project, d)
        assert service.list_chunks(session, project, d) == []
        assert keys(tmp_path) == []

    def test_collation_by_the_job_then_the_chunks_are_gone(
        self, sessions: SessionFactory, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        with transaction(sessions) as session:
            d = service.create(session, store, project, meta(2), model_id=None).id
            service.put_chunk(session, store, project, d, 0, csv(",a,b\nr1,1,2\n"))
            service.put_chunk(session, store, project, d, 5, csv(",a,b\nr2,3,4\n"))
            assert service.finish_upload(session, store, project, d).status == "processing"
            with pytest.raises(NotFound):
                service.put_chunk(session, store, project, d, 6, csv(",a,b\nr3,3,4\n"))
        collate_now(sessions, store, project, d)
        with transaction(sessions) as session:
            assert service.get(session, project, d).status == "uploaded"
            text = b"".join(service.download(session, store, project, d)).decode()
        assert text.splitlines()[1:] == ['"r1",1,2', '"r2",3,4']
        assert suffixes(keys(tmp_path)) == [".csv", ".parquet"]

    def test_a_conflict_changes_nothing(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        d = service.create(session, store, project, meta(2), model_id=None).id
        service.put_chunk(session, store, project, d, 0, csv(",a,b\nr1,1,2\n"))
        service.put_chunk(session, store, project, d, 1, csv(",b,a\nr2,1,2\n"))
        with pytest.raises(Conflict, match="chunk 1 has the column headers"):
            service.finish_upload(session, store, project, d)
        assert service.get(session, project, d).status == "uploading"
        assert len(service.list_chunks(session, project, d)) == 2

    def test_finishing_without_chunks_is_a_conflict(
        self, session: Session, store: ArtifactStore, project: ProjectRef
    ) -> None:
        d = service.create(session, store, project, meta(0), model_id=None).id
        with pytest.raises(Conflict, match="no chunks"):
            service.finish_upload(session, store, project, d)


class TestMetadata:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"descriptor_columns": [1]}, "descriptorColumns"),
            ({"descriptor_columns": [1, 2]}, "descriptorColumns"),
            ({"complete_columns": [0]}, "completeColumns"),
            ({"column_headers": ["a", "a"]}, "columnHeaders"),
            ({"row_count": -1}, "rowCount"),
            ({"name": " "}, "name"),
        ],
    )
    def test_inconsistent_metadata_is_refused_naming_the_field(
        self, change: dict[str, object], field: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            service.check_create(meta(1).model_copy(update=change))
        assert caught.value.field == field

    def test_delete_removes_rows_and_objects(
        self, session: Session, store: ArtifactStore, project: ProjectRef, tmp_path: Path
    ) -> None:
        d = service.create(session, store, project, meta(1, ",a,b\nr,1,2\n"), model_id=None).id
        service.delete(session, store, project, d)
        with pytest.raises(NotFound):
            service.get(session, project, d)
        assert keys(tmp_path) == []


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


class TestOnS3:
    """The S3 store's streams cannot seek; Parquet needs to, so objects are read via a copy."""

    @pytest.fixture
    def s3(
        self, s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> ArtifactStore:
        use_test_credentials(monkeypatch, config_dir=str(tmp_path))
        return open_store(f"s3://{new_bucket(s3_endpoint)}/data?endpoint_url={s3_endpoint}")

    def test_chunks_collate_and_download(
        self, sessions: SessionFactory, s3: ArtifactStore, project: ProjectRef
    ) -> None:
        with transaction(sessions) as session:
            d = service.create(session, s3, project, meta(3), model_id=None).id
            service.put_chunk(session, s3, project, d, 0, csv(",a,b\nr1,1,2\nr2,2,3\n"))
            service.put_chunk(session, s3, project, d, 1, csv(",a,b\nr2,2,3\nr3,,x\n"))
            service.finish_upload(session, s3, project, d)
        collate_now(sessions, s3, project, d)
        with transaction(sessions) as session:
            text = b"".join(service.download(session, s3, project, d)).decode()
        assert text.splitlines()[1:] == ['"r1",1,"2"', '"r2",2,"3"', '"r3",,"x"']
