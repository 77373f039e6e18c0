"""nSamples and sizeInBytes: counted in the background for each configuration, recorded only
for the configuration they were counted for, queued again once stale, and shown on datasets."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from modelyard.core.data.datasources import counts, service
from modelyard.core.data.datasources import repository as repo
from modelyard.core.data.datasources.counts import KIND, Counter
from modelyard.core.data.datasources.kinds.base import Endpoints
from modelyard.core.data.datasources.schemas import DatasourceSettings, SampleDatasetCreate
from modelyard.core.data.datasources.service import Stores
from modelyard.core.identity import service as identity
from modelyard.core.identity.home import home_project
from modelyard.core.identity.schemas import ProjectRef, TokenIssued
from modelyard.core.jobs.schemas import ClaimedJob
from modelyard.core.secrets import SecretBox
from modelyard.db.engine import SessionFactory, make_session_factory
from modelyard.db.tables import DatasourceRow, JobRow
from modelyard.db.types import utcnow


@pytest.fixture
def project(session: Session, admin_token: TokenIssued) -> ProjectRef:
    return home_project(session, identity.authenticate(session, admin_token.token))


@pytest.fixture
def stores() -> Stores:
    box = SecretBox(Fernet.generate_key())
    return Stores(box, Endpoints(), local_root=Path(tempfile.gettempdir()))


def sessions_of(session: Session) -> SessionFactory:
    session.commit()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return make_session_factory(engine)


def fill(root: Path, sizes: dict[str, int]) -> None:
    for name, size in sizes.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)


def queued(session: Session) -> list[ClaimedJob]:
    rows = session.scalars(
        select(JobRow).where(JobRow.kind == KIND, JobRow.status == "queued")
    ).all()
    return [
        ClaimedJob(row.id, row.kind, row.project_id, row.subject_id, dict(row.payload), 1, 3)
        for row in rows
    ]


def local(root: Path) -> DatasourceSettings:
    return DatasourceSettings(type="LOCAL", full_path=str(root))


class TestCounting:
    def test_a_configuration_is_counted_in_the_background_and_shown_on_the_dataset(
        self, session: Session, project: ProjectRef, stores: Stores, tmp_path: Path
    ) -> None:
        fill(tmp_path / "data", {"a.jpg": 10, "b/c.jpg": 20, "b/d/e.jpg": 30})
        dataset_id = service.create_dataset(session, project, SampleDatasetCreate(name="d"))
        assert queued(session) == [], "a LIGHTLY datasource has nothing to count"
        service.configure(session, project, dataset_id, local(tmp_path / "data"), stores=stores)
        shown = service.get_dataset(session, project, dataset_id)
        assert (shown.n_samples, shown.size_in_bytes) == (0, 0)
        [job] = queued(session)
        outcome = Counter(sessions_of(session), stores).count(job)
        assert outcome.success
        assert outcome.result == {"status": "counted", "nSamples": 3, "bytes": 60}
        session.expire_all()
        shown = service.get_dataset(session, project, dataset_id)
        assert (shown.n_samples, shown.size_in_bytes) == (3, 60)
        [listed] = service.list_datasets(session, project)
        assert (listed.n_samples, listed.size_in_bytes) == (3, 60)

    def test_a_count_of_an_older_configuration_is_not_recorded(
        self, session: Session, project: ProjectRef, stores: Stores, tmp_path: Path
    ) -> None:
        fill(tmp_path / "one", {"a.jpg": 1})
        fill(tmp_path / "two", {"a.jpg": 5, "b.jpg": 5})
        dataset_id = service.create_dataset(session, project, SampleDatasetCreate(name="d"))
        service.configure(session, project, dataset_id, local(tmp_path / "one"), stores=stores)
        [old] = queued(session)
        service.configure(session, project, dataset_id, local(tmp_path / "two"), stores=stores)
        counter = Counter(sessions_of(session), stores)
        assert counter.count(old).result == {"status": "superseded"}
        [new] = [job for job in queued(session) if job.id != old.id]
        assert counter.count(new).result == {"status": "counted", "nSamples": 2, "bytes": 10}

    def test_a_count_that_loses_the_race_with_a_new_configuration_is_dropped(
        self, session: Session, project: ProjectRef, stores: Stores, tmp_path: Path
    ) -> None:
        fill(tmp_path / "one", {"a.jpg": 1})
        dataset_id = service.create_dataset(session, project, SampleDatasetCreate(name="d"))
        service.configure(session, project, dataset_id, local(tmp_path / "one"), stores=stores)
        row = session.get(DatasourceRow, dataset_id)
        assert row is not None
        session.commit()
        assert repo.record_count(
            session, dataset_id, revision=row.revision - 1, n_samples=9, size_in_bytes=9,
            now=utcnow(),
        ) is False  # fmt: skip
        assert repo.record_count(
            session, dataset_id, revision=row.revision, n_samples=1, size_in_bytes=1, now=utcnow()
        )

    def test_a_store_that_cannot_be_read_fails_the_job_and_keeps_zero(
        self, session: Session, project: ProjectRef, stores: Stores, tmp_path: Path
    ) -> None:
        dataset_id = service.create_dataset(session, project, SampleDatasetCreate(name="d"))
        missing = local(tmp_path / "not-there")
        service.configure(session, project, dataset_id, missing, stores=stores)
        [job] = queued(session)
        outcome = Counter(sessions_of(session), stores).count(job)
        assert outcome.success is False
        assert outcome.error is not None
        assert "not-there" in outcome.error
        assert service.get_dataset(session, project, dataset_id).n_samples == 0

    def test_a_deleted_dataset_s_count_is_superseded(
        self, session: Session, project: ProjectRef, stores: Stores, tmp_path: Path
    ) -> None:
        dataset_id = service.create_dataset(session, project, SampleDatasetCreate(name="d"))
        service.configure(session, project, dataset_id, local(tmp_path), stores=stores)
        [job] = queued(session)
        service.delete_dataset(session, project, dataset_id)
        assert Counter(sessions_of(session), stores).count(job).result == {"status": "superseded"}


class TestRefresh:
    def test_only_counts_queued_long_enough_ago_are_queued_again(
        self, session: Session, project: ProjectRef, stores: Stores, tmp_path: Path
    ) -> None:
        fill(tmp_path / "data", {"a.jpg": 1})
        fresh, stale, plain = (
            service.create_dataset(session, project, SampleDatasetCreate(name=name))
            for name in ("fresh", "stale", "plain")
        )
        for dataset_id in (fresh, stale):
            service.configure(session, project, dataset_id, local(tmp_path / "data"), stores=stores)
        row = session.get(DatasourceRow, stale)
        assert row is not None
        row.count_queued_at = utcnow() - timedelta(seconds=counts.REFRESH_SECONDS + 1)
        counter = Counter(sessions_of(session), stores)
        before = {job.id for job in queued(session)}
        assert counter.refresh() == 1
        again = [job for job in queued(session) if job.id not in before]
        assert [job.payload["dataset_id"] for job in again] == [stale]
        assert counter.refresh() == 0, "queued just now"
        assert plain not in {job.payload["dataset_id"] for job in queued(session)}

    def test_a_refresh_counts_what_the_store_holds_now(
        self, session: Session, project: ProjectRef, stores: Stores, tmp_path: Path
    ) -> None:
        fill(tmp_path / "data", {"a.jpg": 1})
        dataset_id = service.create_dataset(session, project, SampleDatasetCreate(name="d"))
        service.configure(session, project, dataset_id, local(tmp_path / "data"), stores=stores)
        counter = Counter(sessions_of(session), stores)
        [first] = queued(session)
        assert counter.count(first).success
        fill(tmp_path / "data", {"b.jpg": 2, "c/d.jpg": 3})
        assert counter.count(first).result == {"status": "counted", "nSamples": 3, "bytes": 6}
        session.expire_all()
        assert service.get_dataset(session, project, dataset_id).size_in_bytes == 6
