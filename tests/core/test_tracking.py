"""The tracking core on a real database: models, runs, datasets, records and their streams."""

from __future__ import annotations

import io
import json
import threading
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from modelyard.core import links
from modelyard.core.identity import home, service
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.secrets import SecretBox
from modelyard.core.tracking import record_stream, records
from modelyard.core.tracking import service as tracking
from modelyard.core.tracking.schemas import (
    ModelCreate,
    ModelSearch,
    ModelUpdate,
    RecordCreate,
    RecordQuery,
    RunCreate,
    UploadedFile,
)
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables.tracking import ModelDatasetRow, RecordRow, SiteRow
from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.storage import open_store
from modelyard.storage.base import ArtifactStore

T0 = datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture
def project(session: Session) -> ProjectRef:
    issued = service.bootstrap(session, admin_email="admin@modelyard.local")
    assert issued is not None
    return home.home_project(session, service.authenticate(session, issued.token))


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return open_store(str(tmp_path / "artifacts"))


def record(when: datetime, **fields: object) -> RecordCreate:
    return RecordCreate.model_validate(
        {"timestamp": when, "model_data": {"t": when.isoformat()}, "site_name": "s", **fields}
    )


class TestModels:
    def test_create_is_idempotent_per_name_and_url(
        self, session: Session, project: ProjectRef
    ) -> None:
        first = tracking.create_model(session, project, ModelCreate(model_name="m"))
        again = tracking.create_model(session, project, ModelCreate(model_name="m"))
        other = tracking.create_model(session, project, ModelCreate(model_name="m", model_url="u"))
        assert again.id == first.id
        assert other.id != first.id

    def test_rename_onto_a_taken_pair_conflicts(
        self, session: Session, project: ProjectRef
    ) -> None:
        tracking.create_model(session, project, ModelCreate(model_name="a"))
        b = tracking.create_model(session, project, ModelCreate(model_name="b"))
        with pytest.raises(Conflict):
            tracking.update_model(session, project, str(b.id), ModelUpdate(model_name="a"))

    def test_search_by_info_containment(self, session: Session, project: ProjectRef) -> None:
        info = {"task": "yield", "tags": ["a", "b"]}
        made = tracking.create_model(session, project, ModelCreate(model_name="m", model_info=info))
        found = tracking.search_models(session, project, ModelSearch(model_info={"tags": ["b"]}))
        assert [m.id for m in found] == [made.id]
        with pytest.raises(NotFound):
            tracking.search_models(session, project, ModelSearch(model_info={"tags": "b"}))

    def test_runs_are_unique_by_info(self, session: Session, project: ProjectRef) -> None:
        model = tracking.create_model(session, project, ModelCreate(model_name="m"))
        one = tracking.create_run(
            session, project, str(model.id), RunCreate(model_run_info={"a": [1, {"b": 2}]})
        )
        two = tracking.create_run(
            session, project, str(model.id), RunCreate(model_run_info={"a": [1, {"b": 2}]})
        )
        assert one.id == two.id
        empty = tracking.create_run(session, project, str(model.id), RunCreate())
        assert (
            tracking.create_run(session, project, str(model.id), RunCreate(model_run_info={})).id
            == empty.id
        )


class TestRecords:
    def test_defaults_and_uniqueness(
        self, session: Session, project: ProjectRef, store: ArtifactStore
    ) -> None:
        model = tracking.create_model(session, project, ModelCreate(model_name="Yield"))
        added = records.add_record(session, store, project, str(model.id), record(T0))
        assert added.dataset_name == "Yield Dataset 2024-05-01"
        assert added.collection_date == date(2024, 5, 1)
        with pytest.raises(Conflict):
            records.add_record(session, store, project, str(model.id), record(T0))
        with pytest.raises(InvalidInput):
            records.add_record(session, store, project, str(model.id), record(T0, site_name=None))

    def test_a_file_goes_to_the_store_and_leaves_with_the_model(
        self, session: Session, project: ProjectRef, store: ArtifactStore
    ) -> None:
        model = tracking.create_model(session, project, ModelCreate(model_name="m"))
        upload = UploadedFile("../../etc/x.bin", None, io.BytesIO(b"\x00\x01"))
        added = records.add_record(session, store, project, str(model.id), record(T0), upload)
        assert added.record_file is not None
        assert added.record_file.endswith("/x.bin")
        assert store.size(added.record_file) == 2
        session.commit()
        tracking.delete_model(session, store, project, str(model.id))
        assert store.size(added.record_file) == 2  # until the deletion commits
        session.commit()
        with pytest.raises(KeyError):
            store.size(added.record_file)

    def test_a_rolled_back_add_leaves_no_file(
        self, session: Session, project: ProjectRef, store: ArtifactStore
    ) -> None:
        model = tracking.create_model(session, project, ModelCreate(model_name="m"))
        session.commit()
        upload = UploadedFile("f.txt", None, io.BytesIO(b"abc"))
        added = records.add_record(session, store, project, str(model.id), record(T0), upload)
        assert added.record_file is not None
        assert store.size(added.record_file) == 3
        session.rollback()
        with pytest.raises(KeyError):
            store.size(added.record_file)

    def test_a_rolled_back_deletion_keeps_the_file(
        self, session: Session, project: ProjectRef, store: ArtifactStore
    ) -> None:
        model = tracking.create_model(session, project, ModelCreate(model_name="m"))
        upload = UploadedFile("f.txt", None, io.BytesIO(b"abc"))
        added = records.add_record(session, store, project, str(model.id), record(T0), upload)
        session.commit()
        records.delete_record(session, store, project, str(added.id))
        session.rollback()
        session.commit()  # a later commit of the same session does not run the old deletion
        assert added.record_file is not None
        assert store.size(added.record_file) == 3
        assert records.get_record(session, project, str(added.id)).id == added.id


class TestConcurrentAdds:
    """Adds racing in their own transactions (as concurrent requests do): for each record
    exactly one wins, the others are refused, and the losers leave nothing behind."""

    def test_exactly_one_of_each_duplicate_wins(
        self,
        session: Session,
        sessions: SessionFactory,
        project: ProjectRef,
        store: ArtifactStore,
    ) -> None:
        model = tracking.create_model(session, project, ModelCreate(model_name="m"))
        session.commit()
        senders = 12
        start = threading.Barrier(senders)
        outcomes: list[str] = []

        def send(i: int) -> None:
            data = record(T0 + timedelta(seconds=i % 3), site_name="new", experiment_name="e")
            start.wait()
            try:
                with transaction(sessions) as unit:
                    records.add_record(unit, store, project, str(model.id), data)
                outcomes.append("added")
            except Conflict:
                outcomes.append("refused")
            except Exception as exc:  # any other outcome fails the test below
                outcomes.append(repr(exc))

        threads = [threading.Thread(target=send, args=(i,)) for i in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["added"] * 3 + ["refused"] * 9
        with transaction(sessions) as unit:
            stored = unit.scalars(
                select(RecordRow.timestamp).where(RecordRow.model_id == model.id)
            ).all()
            sites = unit.scalars(select(SiteRow.id).where(SiteRow.site_name == "new")).all()
            links = unit.scalars(
                select(ModelDatasetRow.dataset_id).where(ModelDatasetRow.model_id == model.id)
            ).all()
        assert sorted(stamp.astimezone(UTC) for stamp in stored) == [
            T0 + timedelta(seconds=i) for i in range(3)
        ]
        assert len(sites) == 1
        assert len(links) == 1

    def test_a_record_reads_back_as_it_was_answered(
        self, session: Session, project: ProjectRef, store: ArtifactStore
    ) -> None:
        model = tracking.create_model(session, project, ModelCreate(model_name="m"))
        when = datetime(2024, 5, 1, 23, 30, 0, 123456, tzinfo=timezone(timedelta(hours=-2)))
        data = record(
            when,
            model_data={"nested": [1, 2.5, None, {"ü": "x"}]},
            record_info={"k": True},
            experiment_name="e",
            season_name="s",
        )
        added = records.add_record(session, store, project, str(model.id), data)
        session.commit()
        assert records.get_record(session, project, str(added.id)) == added
        assert added.timestamp == when
        assert added.collection_date == date(2024, 5, 1)  # the sender's own day


class TestStreams:
    @pytest.mark.parametrize("batch", [1, 7, 50])
    def test_batches_cover_every_record_once_even_with_equal_timestamps(
        self,
        session: Session,
        project: ProjectRef,
        store: ArtifactStore,
        engine: Engine,
        batch: int,
    ) -> None:
        model = tracking.create_model(session, project, ModelCreate(model_name="m"))
        for i in range(30):
            when = T0 + timedelta(seconds=i // 4)  # runs of four equal timestamps
            records.add_record(
                session, store, project, str(model.id), record(when, season_name=str(i))
            )
        session.commit()
        chunks = list(record_stream.stream(engine, model.id, RecordQuery(), batch=batch))
        assert all(chunk.endswith(b"\n") for chunk in chunks)
        assert all(chunk.count(b"\n") <= batch for chunk in chunks)
        streamed = [json.loads(line) for chunk in chunks for line in chunk.splitlines()]
        assert len({r["id"] for r in streamed}) == 30
        moments = [r["timestamp"] for r in streamed]
        assert moments == sorted(moments)

    def test_the_window_is_inclusive_and_needs_both_ends(
        self, session: Session, project: ProjectRef, store: ArtifactStore, engine: Engine
    ) -> None:
        model = tracking.create_model(session, project, ModelCreate(model_name="m"))
        for i in range(10):
            records.add_record(
                session, store, project, str(model.id), record(T0 + timedelta(minutes=i))
            )
        session.commit()

        def minutes(query: RecordQuery) -> list[int]:
            found = b"".join(record_stream.stream(engine, model.id, query, batch=3))
            moments = [
                datetime.fromisoformat(json.loads(line)["timestamp"]).replace(tzinfo=UTC)
                for line in found.splitlines()
            ]
            return [int((m - T0).total_seconds() // 60) for m in moments]

        window = RecordQuery(
            start_timestamp=T0 + timedelta(minutes=2), end_timestamp=T0 + timedelta(minutes=5)
        )
        assert minutes(window) == [2, 3, 4, 5]
        assert minutes(RecordQuery(start_timestamp=T0 + timedelta(minutes=8))) == list(range(10))

    def test_names_are_escaped_and_stored_json_passes_through(
        self, session: Session, project: ProjectRef, store: ArtifactStore, engine: Engine
    ) -> None:
        tricky = 'plot "7"\\north\n\tÉté ✓ \u2028\x01'
        model = tracking.create_model(session, project, ModelCreate(model_name=tricky))
        data = {"a": [1, None, "é\n"], "b": {"c": True}, "d": 1.5e-7}
        fields = {"site_name": tricky, "experiment_name": tricky, "record_info": {"k": None}}
        when = T0 + timedelta(microseconds=250)
        records.add_record(
            session, store, project, str(model.id), record(when, model_data=data, **fields)
        )
        session.commit()
        [chunk] = list(record_stream.stream(engine, model.id, RecordQuery()))
        streamed = json.loads(chunk)
        assert (streamed["model_name"], streamed["site_name"]) == (tricky, tricky)
        assert streamed["experiment_name"] == tricky
        assert streamed["model_data"] == data
        assert streamed["record_info"] == {"k": None}
        assert streamed["timestamp"] == "2024-05-01T00:00:00.000250"
        assert "season_name" not in streamed
        assert "season_id" not in streamed
        assert "record_file" not in streamed

    def test_a_stream_closed_early_gives_its_connection_back(
        self, session: Session, project: ProjectRef, store: ArtifactStore, engine: Engine
    ) -> None:
        model = tracking.create_model(session, project, ModelCreate(model_name="m"))
        for i in range(10):
            records.add_record(session, store, project, str(model.id), record(T0 + timedelta(i)))
        session.commit()
        before = engine.pool.checkedout()  # type: ignore[attr-defined]
        batches = record_stream.stream(engine, model.id, RecordQuery(), batch=3)
        assert next(batches).count(b"\n") == 3
        assert engine.pool.checkedout() == before + 1  # type: ignore[attr-defined]
        batches.close()
        assert engine.pool.checkedout() == before  # type: ignore[attr-defined]

    def test_an_unknown_model_fails_before_streaming(
        self, session: Session, project: ProjectRef, engine: Engine
    ) -> None:
        with pytest.raises(NotFound):
            records.open_stream(session, engine, project, str(uuid.uuid4()), RecordQuery())


class TestLinks:
    def test_a_link_names_what_it_seals_until_it_expires(self) -> None:
        box, record_id = SecretBox(Fernet.generate_key().decode()), uuid.uuid4().hex
        link = links.seal_link(box, (record_id,), lifetime=60, now=1000)
        assert links.open_link(box, link, now=1059) == links.OpenedLink((record_id,), False)
        assert links.open_link(box, link, now=1061) == links.OpenedLink((record_id,), True)
        other = SecretBox(Fernet.generate_key().decode())
        assert links.open_link(other, link, now=1000) is None
        assert links.open_link(box, link[:-4] + "AAAA", now=1000) is None
