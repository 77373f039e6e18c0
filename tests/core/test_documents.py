"""The documents domain on a real database: documents, models from zips, and the job state
machine (chaining, holding, cancelling, ending with a callback in the outbox)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.core.documents import catalog, jobs, rules
from modelyard.core.documents import documents as docs
from modelyard.core.documents import repository as repo
from modelyard.core.documents.manifest import read_manifest
from modelyard.core.documents.schemas import ApplyRequest, DocumentCreate, ModelFields, ModelQuery
from modelyard.core.identity import applications
from modelyard.core.identity.home import home_project
from modelyard.core.identity.schemas import ProjectRef, TokenIssued
from modelyard.core.identity.service import authenticate
from modelyard.db.tables import CallbackRow, JobRow
from modelyard.errors import InvalidInput, NotFound
from modelyard.storage import ArtifactStore, open_store
from tests.support.leia import model_zip


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return open_store(str(tmp_path / "store"))


@pytest.fixture
def home(session: Session, admin_token: TokenIssued) -> tuple[ProjectRef, uuid.UUID]:
    principal = authenticate(session, admin_token.token)
    return home_project(session, principal), principal.user_id


def _setup(
    session: Session, store: ArtifactStore, home: tuple[ProjectRef, uuid.UUID]
) -> tuple[str, list[str]]:
    project, owner = home
    model = catalog.create(
        session, store, project, owner, ModelFields(name="m"), model_zip(), author=None, policy=None
    )
    ids = [
        docs.create(session, store, project, owner, DocumentCreate(filename=f"{n}.txt"), b"a b").id
        for n in ("one", "two")
    ]
    return model.id, ids


def _apply(
    session: Session,
    home: tuple[ProjectRef, uuid.UUID],
    model_id: str,
    ids: list[str],
    **options: object,
) -> str:
    project, owner = home
    data = ApplyRequest(document_ids=ids, **options)
    return jobs.submit_apply(session, project, owner, model_id, data, admin=True).id


def _manifest(model_type: object) -> dict[str, object]:
    return {
        "model_module": "counter",
        "model_clazz": "Counter",
        "model_type": model_type,
        "input_types": ["text"],
    }


class TestRules:
    def test_page_ranges_follow_python_slices(self) -> None:
        pages = list(range(10))
        assert rules.select_pages(pages, rules.parse_page_range("0,2:5,-2:-1")) == [0, 2, 3, 4, 8]
        assert rules.select_pages(pages, rules.parse_page_range("1::2")) == [1, 3, 5, 7, 9]
        assert rules.select_pages(pages, rules.parse_page_range("-4")) == [6]
        with pytest.raises(InvalidInput, match="page_range"):
            rules.parse_page_range("1:2:3:4")
        with pytest.raises(InvalidInput, match="step"):
            rules.parse_page_range("::0")

    def test_model_params_are_literals_never_code(self) -> None:
        assert rules.parse_model_params("{'k': [1, 2]}", literal=True) == {"k": [1, 2]}
        assert rules.parse_model_params('{"k": true}', literal=True) == {"k": True}
        with pytest.raises(InvalidInput, match="model_params"):
            rules.parse_model_params("__import__('os').getcwd()", literal=True)

    def test_sort_keys_and_order(self) -> None:
        keys = rules.sort_keys("-b,a", ("a", "b"))
        items = [{"a": 2, "b": 1}, {"a": 1, "b": 1}, {"a": 0, "b": 2}]
        ordered = rules.sorted_by(items, keys, lambda item, key: item[key])
        assert ordered == [{"a": 0, "b": 2}, {"a": 1, "b": 1}, {"a": 2, "b": 1}]
        with pytest.raises(InvalidInput, match="sort"):
            rules.sort_keys("color", ("a",))


class TestManifest:
    def test_reads_the_manifest_and_names_what_is_missing(self, tmp_path: Path) -> None:
        good = tmp_path / "good.zip"
        good.write_bytes(model_zip())
        assert read_manifest(good).model_clazz == "Counter"
        no_module = tmp_path / "bad.zip"
        no_module.write_bytes(
            model_zip(
                manifest={
                    "model_module": "elsewhere",
                    "model_clazz": "C",
                    "model_type": "classification",
                    "input_types": ["text"],
                }
            )
        )
        with pytest.raises(InvalidInput, match=r"elsewhere\.py") as caught:
            read_manifest(no_module)
        assert caught.value.field == "model_module"

    @pytest.mark.parametrize(
        "model_type", ["classification", "image_extraction", "key_value_extraction"]
    )
    def test_reads_each_leia_model_type(self, tmp_path: Path, model_type: str) -> None:
        path = tmp_path / "typed.zip"
        path.write_bytes(model_zip(manifest=_manifest(model_type)))
        assert read_manifest(path).model_type == model_type

    @pytest.mark.parametrize("model_type", ["regression", "CLASSIFICATION", 3, ["classification"]])
    def test_any_other_model_type_is_invalid_and_named(
        self, tmp_path: Path, model_type: object
    ) -> None:
        path = tmp_path / "typed.zip"
        path.write_bytes(model_zip(manifest=_manifest(model_type)))
        with pytest.raises(InvalidInput, match=r"^model_type: .*key_value_extraction") as caught:
            read_manifest(path)
        assert caught.value.field == "model_type"


class TestModels:
    def test_a_refused_model_type_stores_nothing(
        self,
        session: Session,
        store: ArtifactStore,
        home: tuple[ProjectRef, uuid.UUID],
        tmp_path: Path,
    ) -> None:
        project, owner = home
        content = model_zip(manifest=_manifest("regression"))
        with pytest.raises(InvalidInput) as caught:
            catalog.create(
                session,
                store,
                project,
                owner,
                ModelFields(name="r"),
                content,
                author=None,
                policy=None,
            )
        assert caught.value.field == "model_type"
        assert catalog.listing(session, project, ModelQuery(), caller=owner, admin=True).total == 0
        assert [p for p in (tmp_path / "store").rglob("*") if p.is_file()] == []

    def test_visibility_filters_and_short_names(
        self, session: Session, store: ArtifactStore, home: tuple[ProjectRef, uuid.UUID]
    ) -> None:
        project, owner = home
        fields = ModelFields(name="shared", short_name="sh", allow_all_applications=True)
        shared = catalog.create(
            session, store, project, owner, fields, model_zip(), author=None, policy=None
        )
        catalog.create(
            session,
            store,
            project,
            owner,
            ModelFields(name="private"),
            model_zip(),
            author=None,
            policy=None,
        )
        stranger = uuid.uuid4()
        seen = catalog.listing(session, project, ModelQuery(), caller=stranger, admin=False)
        assert [m.id for m in seen.items] == [shared.id]
        assert catalog.get(session, project, "sh").id == shared.id
        with pytest.raises(NotFound):
            catalog.get(session, project, "private-one", user=stranger)


class TestJobs:
    def test_an_unheld_job_is_queued_in_the_same_transaction(
        self, session: Session, store: ArtifactStore, home: tuple[ProjectRef, uuid.UUID]
    ) -> None:
        model_id, ids = _setup(session, store, home)
        job_id = _apply(session, home, model_id, ids)
        row = repo.get_job(session, job_id)
        assert row is not None
        assert row.status == "READY"
        assert row.queue_job_id is not None
        queued = session.get(JobRow, row.queue_job_id)
        assert queued is not None
        assert queued.kind == "job.apply"
        assert queued.payload == {"job_id": job_id}

    def test_chain_waits_then_fails_with_its_prerequisite(
        self, session: Session, store: ArtifactStore, home: tuple[ProjectRef, uuid.UUID]
    ) -> None:
        model_id, ids = _setup(session, store, home)
        first = _apply(session, home, model_id, ids, callback_url="http://127.0.0.1:9/cb")
        second = _apply(session, home, model_id, ids, execute_after_id=first)
        assert jobs.get(session, home[0], home[1], second).status == "WAITING"
        row = repo.get_job(session, first, lock=True)
        assert row is not None
        assert jobs.end(session, row, "FAILED", reason="boom")
        assert not jobs.end(session, row, "PROCESSED")
        chained = jobs.get(session, home[0], home[1], second)
        assert chained.status == "FAILED"
        assert first in (chained.reason or "")
        outbox = session.scalars(select(CallbackRow)).all()
        assert [(c.url, c.payload["id"], c.payload["status"]) for c in outbox] == [
            ("http://127.0.0.1:9/cb", first, "FAILED")
        ]

    def test_processed_prerequisite_queues_the_chained_job(
        self, session: Session, store: ArtifactStore, home: tuple[ProjectRef, uuid.UUID]
    ) -> None:
        model_id, ids = _setup(session, store, home)
        first = _apply(session, home, model_id, ids)
        second = _apply(session, home, model_id, ids, execute_after_id=first)
        row = repo.get_job(session, first, lock=True)
        assert row is not None
        jobs.end(session, row, "PROCESSED", result={"ok": True})
        assert jobs.get(session, home[0], home[1], second).status == "READY"

    def test_hold_start_and_cancel(
        self, session: Session, store: ArtifactStore, home: tuple[ProjectRef, uuid.UUID]
    ) -> None:
        project, owner = home
        model_id, ids = _setup(session, store, home)
        held = _apply(session, home, model_id, ids, block_processing=True)
        assert jobs.get(session, project, owner, held).status == "BLOCKED"
        assert jobs.start(session, project, owner, held).status == "READY"
        queue_id = repo.get_job(session, held).queue_job_id  # type: ignore[union-attr]
        jobs.cancel(session, project, owner, held)
        assert jobs.get(session, project, owner, held).status == "CANCELED"
        assert session.get(JobRow, queue_id) is None
        with pytest.raises(NotFound):
            jobs.get(session, project, uuid.uuid4(), held)

    @pytest.mark.parametrize(
        ("count", "format_type", "expected"),
        [
            (1, None, "object"),
            (2, None, "dict[object]"),
            (1, "classification", "classification"),
            (2, "classification", "dict[classification]"),
        ],
    )
    def test_result_type_names_one_value_or_a_dict_by_document(
        self,
        session: Session,
        store: ArtifactStore,
        home: tuple[ProjectRef, uuid.UUID],
        count: int,
        format_type: str | None,
        expected: str,
    ) -> None:
        model_id, ids = _setup(session, store, home)
        job_id = _apply(session, home, model_id, ids[:count], format_type=format_type)
        assert jobs.get(session, home[0], home[1], job_id).result_type == expected

    def test_model_params_default_to_an_empty_dict(
        self, session: Session, store: ArtifactStore, home: tuple[ProjectRef, uuid.UUID]
    ) -> None:
        model_id, ids = _setup(session, store, home)
        row = repo.get_job(session, _apply(session, home, model_id, ids[:1]))
        assert row is not None
        assert row.spec["model_params"] == {}

    def test_bad_requests_name_the_parameter(
        self, session: Session, store: ArtifactStore, home: tuple[ProjectRef, uuid.UUID]
    ) -> None:
        model_id, ids = _setup(session, store, home)
        with pytest.raises(InvalidInput) as caught:
            _apply(session, home, model_id, ids, page_range="1:")
        assert caught.value.field == "page_range"
        with pytest.raises(NotFound) as missing:
            _apply(session, home, model_id, ids, execute_after_id=str(uuid.uuid4()))
        assert missing.value.field == "execute_after_id"
        with pytest.raises(InvalidInput) as tagged:
            _apply(session, home, model_id, ids, tag="x")
        assert tagged.value.field == "tag"


class TestReconcile:
    def test_a_job_whose_queue_row_gave_up_fails_with_its_reason(
        self, session: Session, store: ArtifactStore, home: tuple[ProjectRef, uuid.UUID]
    ) -> None:
        model_id, ids = _setup(session, store, home)
        lost = _apply(session, home, model_id, ids)
        alive = _apply(session, home, model_id, ids)
        row = repo.get_job(session, lost)
        assert row is not None
        assert row.queue_job_id is not None
        queued = session.get(JobRow, row.queue_job_id)
        assert queued is not None
        queued.status, queued.error = "failed", "gave up after 3 attempts"
        session.flush()
        assert jobs.reconcile(session) == 1
        failed = jobs.get(session, home[0], home[1], lost)
        assert (failed.status, failed.reason) == ("FAILED", "gave up after 3 attempts")
        assert jobs.get(session, home[0], home[1], alive).status == "READY"


class TestApplications:
    def test_a_default_callback_url_serves_jobs_that_name_none(
        self, session: Session, store: ArtifactStore, home: tuple[ProjectRef, uuid.UUID]
    ) -> None:
        project, _ = home
        created = applications.create(
            session,
            project,
            applications.ApplicationCreate(
                application_name="hooks",
                application_type="developer",
                email="h@example.com",
                first_name="H",
                last_name="Ooks",
                default_job_callback_url="http://127.0.0.1:9/default",
            ),
        )
        assert created.api_key
        owner = uuid.UUID(created.id)
        model = catalog.create(
            session,
            store,
            project,
            owner,
            ModelFields(name="m", allow_all_applications=True),
            model_zip(),
            author=None,
            policy=None,
        )
        document = docs.create(session, store, project, owner, DocumentCreate(filename="a"), b"a")
        job = jobs.submit_apply(
            session,
            project,
            owner,
            model.id,
            ApplyRequest(document_ids=[document.id]),
            admin=False,
        )
        assert job.callback_url == "http://127.0.0.1:9/default"
        with pytest.raises(InvalidInput) as caught:
            applications.create(
                session,
                project,
                applications.ApplicationCreate(
                    application_name="x",
                    application_type="root",
                    email="x@example.com",
                    first_name="X",
                    last_name="Y",
                ),
            )
        assert caught.value.field == "application_type"
