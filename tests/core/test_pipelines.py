"""Pipelines, objects, attachments and pipeline requests on a real database.

Requests run here through connectors to a real PostgreSQL (no model instances are needed for
those); model objects run end to end in ``tests/clients/test_ubiops_pipelines.py``.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelyard.core.data.connectors import service as connectors
from modelyard.core.data.connectors.schemas import ConnectorCreate, CredentialsCreate
from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import ProjectCreate, ProjectRef, TokenIssued
from modelyard.core.jobs import repository as jobs_repo
from modelyard.core.jobs.repository import Completion
from modelyard.core.jobs.schemas import ClaimedJob
from modelyard.core.pipelines import attachments, batch, execution, service
from modelyard.core.pipelines.execution import PipelineRunner
from modelyard.core.pipelines.schemas import (
    AttachmentCreate,
    FieldMapping,
    ObjectCreate,
    ObjectUpdate,
    PipelineCreate,
    PipelineUpdate,
)
from modelyard.core.schedules import service as schedules
from modelyard.core.schedules.scheduler import Scheduler
from modelyard.core.schedules.schemas import ScheduleCreate
from modelyard.core.secrets import secret_box
from modelyard.core.serving import service as serving
from modelyard.core.serving.deployer import Serving, create_serving
from modelyard.core.serving.schemas import FieldSpec, ModelCreate, VersionCreate
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import JobRow, LogRow, ModelVersionRow, PipelineObjectRow
from modelyard.db.types import utcnow
from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.settings import Settings
from modelyard.storage.local import LocalStore
from tests.support.targets import POSTGRES, postgres_connection, postgres_rows, postgres_schema


@pytest.fixture
def project(session: Session, admin_token: TokenIssued) -> ProjectRef:
    principal = identity.authenticate(session, admin_token.token)
    return identity.project_scope(session, principal, "default")


def specs(**types: str) -> list[FieldSpec]:
    return [FieldSpec(name=name, data_type=data_type) for name, data_type in types.items()]


def mapping(**pairs: str) -> list[FieldMapping]:
    """``destination=source`` pairs."""
    return [FieldMapping(source_field_name=s, destination_field_name=d) for d, s in pairs.items()]


def model(session: Session, project: ProjectRef, name: str, *versions: str) -> None:
    """A model x (double) → y (double) with available versions."""
    data = ModelCreate(
        name=name,
        input_type="structured",
        output_type="structured",
        input_fields=specs(x="double"),
        output_fields=specs(y="double"),
    )
    serving.create_model(session, project, data)
    for version in versions or ("v1",):
        serving.create_version(session, project, name, VersionCreate(version=version))
    for row in session.scalars(select(ModelVersionRow)):
        row.status = "available"
    session.flush()


def pipeline(session: Session, project: ProjectRef, name: str = "p") -> str:
    data = PipelineCreate(name=name, input_type="structured", input_fields=specs(x="double"))
    return service.create_pipeline(session, project, data).name


def obj(session: Session, project: ProjectRef, name: str, model_name: str = "m") -> None:
    data = ObjectCreate(name=name, reference_type="model", reference_name=model_name, version="v1")
    service.create_object(session, project, "p", data)


def attach(
    session: Session, project: ProjectRef, source: str, destination: str, **pairs: str
) -> None:
    data = AttachmentCreate(
        source_name=source, destination_name=destination, mapping=mapping(**pairs)
    )
    attachments.create_attachment(session, project, "p", data)


@pytest.fixture
def chain(session: Session, project: ProjectRef) -> ProjectRef:
    """Pipeline ``p``: pipeline_start → a → b, both objects on model ``m`` v1."""
    model(session, project, "m")
    pipeline(session, project)
    obj(session, project, "a")
    obj(session, project, "b")
    attach(session, project, "pipeline_start", "a", x="x")
    attach(session, project, "a", "b", x="y")
    return project


class TestPipelines:
    def test_create_list_get_rename_and_delete(self, session: Session, project: ProjectRef) -> None:
        created = service.create_pipeline(
            session,
            project,
            PipelineCreate(name="p", input_type="plain", description="words in"),
        )
        assert (created.project, created.input_fields) == ("default", [])
        assert [p.name for p in service.list_pipelines(session, project)] == ["p"]
        renamed = service.update_pipeline(session, project, "p", PipelineUpdate(name="q"))
        assert renamed.id == created.id
        with pytest.raises(NotFound) as caught:
            service.get_pipeline(session, project, "p")
        assert caught.value.field == "pipeline_name"
        service.delete_pipeline(session, project, "q")
        assert service.list_pipelines(session, project) == []

    def test_names_are_unique_and_input_is_checked(
        self, session: Session, project: ProjectRef
    ) -> None:
        pipeline(session, project)
        with pytest.raises(Conflict):
            pipeline(session, project)
        with pytest.raises(InvalidInput) as caught:
            service.create_pipeline(session, project, PipelineCreate(name="b", input_type="blob"))
        assert caught.value.field == "input_type"
        plain_with_fields = PipelineCreate(
            name="c", input_type="plain", input_fields=specs(x="int")
        )
        with pytest.raises(InvalidInput) as caught:
            service.create_pipeline(session, project, plain_with_fields)
        assert caught.value.field == "input_fields"

    def test_the_same_type_keeps_the_fields_and_a_new_type_drops_them(
        self, session: Session, project: ProjectRef
    ) -> None:
        pipeline(session, project)
        same = service.update_pipeline(
            session, project, "p", PipelineUpdate(input_type="structured")
        )
        assert same.input_fields == specs(x="double")
        plain = service.update_pipeline(session, project, "p", PipelineUpdate(input_type="plain"))
        assert (plain.input_type, plain.input_fields) == ("plain", [])

    def test_an_input_change_that_breaks_an_attachment_is_refused(
        self, session: Session, chain: ProjectRef
    ) -> None:
        change = PipelineUpdate(input_type="structured", input_fields=specs(z="double"))
        with pytest.raises(InvalidInput) as caught:
            service.update_pipeline(session, chain, "p", change)
        assert caught.value.field == "input_fields"
        assert "pipeline_start to 'a'" in caught.value.message
        assert service.get_pipeline(session, chain, "p").input_fields == specs(x="double")
        wider = specs(x="double", extra="string")
        grown = service.update_pipeline(
            session, chain, "p", PipelineUpdate(input_type="structured", input_fields=wider)
        )
        assert [f.name for f in grown.input_fields] == ["x", "extra"]


class TestObjects:
    def test_several_objects_may_reference_one_version(
        self, session: Session, chain: ProjectRef
    ) -> None:
        found = service.list_objects(session, chain, "p")
        assert [(o.name, o.reference_name, o.version) for o in found] == [
            ("a", "m", "v1"),
            ("b", "m", "v1"),
        ]
        assert found[0].input_fields == specs(x="double")
        assert found[0].output_fields == specs(y="double")

    def test_what_an_object_references_must_exist(
        self, session: Session, project: ProjectRef
    ) -> None:
        model(session, project, "m")
        pipeline(session, project)
        cases = [
            (
                ObjectCreate(name="o", reference_type="model", reference_name="x", version="v1"),
                "reference_name",
            ),
            (ObjectCreate(name="o", reference_type="model", reference_name="m"), "version"),
            (
                ObjectCreate(name="o", reference_type="model", reference_name="m", version="v9"),
                "version",
            ),
            (
                ObjectCreate(name="o", reference_type="operator", reference_name="m"),
                "reference_type",
            ),
            (
                ObjectCreate(name="o", reference_type="connector", reference_name="nope"),
                "reference_name",
            ),
        ]
        for data, field in cases:
            with pytest.raises(InvalidInput) as caught:
                service.create_object(session, project, "p", data)
            assert caught.value.field == field
        assert service.list_objects(session, project, "p") == []

    def test_names_are_unique_within_a_pipeline(self, session: Session, chain: ProjectRef) -> None:
        with pytest.raises(Conflict):
            obj(session, chain, "a")
        with pytest.raises(Conflict):
            service.update_object(session, chain, "p", "b", ObjectUpdate(name="a"))

    def test_a_model_object_moves_to_another_version_of_its_model(
        self, session: Session, project: ProjectRef
    ) -> None:
        model(session, project, "m", "v1", "v2")
        pipeline(session, project)
        obj(session, project, "a")
        moved = service.update_object(session, project, "p", "a", ObjectUpdate(version="v2"))
        assert moved.version == "v2"
        with pytest.raises(InvalidInput) as caught:
            service.update_object(session, project, "p", "a", ObjectUpdate(version="v3"))
        assert caught.value.field == "version"

    def test_deleting_an_object_deletes_its_attachments(
        self, session: Session, chain: ProjectRef
    ) -> None:
        service.delete_object(session, chain, "p", "a")
        assert attachments.list_attachments(session, chain, "p") == []
        assert [o.name for o in service.list_objects(session, chain, "p")] == ["b"]


class TestAttachments:
    def test_listed_by_pipeline_and_by_source_and_deleted(
        self, session: Session, chain: ProjectRef
    ) -> None:
        every = attachments.list_attachments(session, chain, "p")
        assert [(a.source_name, a.destination_name) for a in every] == [
            ("pipeline_start", "a"),
            ("a", "b"),
        ]
        of_a = attachments.list_attachments(session, chain, "p", source_name="a")
        assert [a.destination_name for a in of_a] == ["b"]
        got = attachments.get_attachment(session, chain, "p", "a", "b")
        assert got.mapping == mapping(x="y")
        attachments.delete_attachment(session, chain, "p", "a", "b")
        with pytest.raises(NotFound):
            attachments.get_attachment(session, chain, "p", "a", "b")

    def test_twice_the_same_pair_is_a_conflict(self, session: Session, chain: ProjectRef) -> None:
        with pytest.raises(Conflict) as caught:
            attach(session, chain, "a", "b", x="y")
        assert caught.value.field == "destination_name"

    def test_unknown_objects_are_named(self, session: Session, chain: ProjectRef) -> None:
        with pytest.raises(NotFound) as caught:
            attach(session, chain, "ghost", "b", x="y")
        assert caught.value.field == "source_name"

    def test_a_cycle_is_refused_and_nothing_is_stored(
        self, session: Session, chain: ProjectRef
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            attach(session, chain, "b", "a", x="y")
        assert "would make a cycle: b → a → b" in caught.value.message
        assert len(attachments.list_attachments(session, chain, "p")) == 2

    def test_a_bad_mapping_names_the_field(self, session: Session, chain: ProjectRef) -> None:
        obj(session, chain, "c")
        with pytest.raises(InvalidInput) as caught:
            attach(session, chain, "a", "c", x="z")
        assert caught.value.field == "mapping[0].source_field_name"
        with pytest.raises(InvalidInput) as caught:
            attach(session, chain, "a", "c")
        assert "not mapped: x" in caught.value.message


class TestModelsInUse:
    def test_a_referenced_model_or_version_cannot_be_deleted(
        self, session: Session, chain: ProjectRef
    ) -> None:
        with pytest.raises(Conflict) as caught:
            serving.delete_version(session, chain, "m", "v1")
        assert "object 'a' of pipeline 'p', object 'b' of pipeline 'p'" in caught.value.message
        assert caught.value.field == "version"
        with pytest.raises(Conflict) as caught:
            serving.delete_model(session, chain, "m")
        assert caught.value.field == "model_name"
        service.delete_pipeline(session, chain, "p")
        serving.delete_version(session, chain, "m", "v1")
        serving.delete_model(session, chain, "m")

    def test_the_server_has_serving_ask_pipelines_before_deleting(self) -> None:
        code = (
            "import modelyard.api.app\n"
            "from modelyard.core.serving import references\n"
            "print(*references._GUARDS)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert done.stdout.split() == ["pipelines"]

    def test_the_database_refuses_too_when_the_services_are_bypassed(
        self, sessions: SessionFactory, admin_token: TokenIssued
    ) -> None:
        with transaction(sessions) as session:
            scope = identity.project_scope(
                session, identity.authenticate(session, admin_token.token), "default"
            )
            model(session, scope, "m")
            pipeline(session, scope)
            obj(session, scope, "a")
        with pytest.raises(IntegrityError), transaction(sessions) as session:
            session.execute(delete(ModelVersionRow))
        with transaction(sessions) as session:
            assert len(session.scalars(select(ModelVersionRow)).all()) == 1

    def test_deleting_the_project_takes_its_pipelines_and_models(
        self, sessions: SessionFactory, admin_token: TokenIssued
    ) -> None:
        with transaction(sessions) as session:
            principal = identity.authenticate(session, admin_token.token)
            identity.create_project(
                session, principal, ProjectCreate(name="gone", organization_name="default")
            )
            scope = identity.project_scope(session, principal, "gone")
            model(session, scope, "m")
            pipeline(session, scope)
            obj(session, scope, "a")
        with transaction(sessions) as session:
            identity.delete_project(session, principal, "gone")
        with transaction(sessions) as session:
            assert session.scalars(select(PipelineObjectRow)).all() == []


class TestPipelineRequestChecks:
    def test_only_objects_connected_to_pipeline_start_run(
        self, session: Session, chain: ProjectRef
    ) -> None:
        attachments.delete_attachment(session, chain, "p", "pipeline_start", "a")
        attach(session, chain, "pipeline_start", "b", x="x")
        row = service.get_pipeline_row(session, chain, "p")
        prepared = execution.prepare(session, chain, row, {"x": 1.0})
        assert prepared.plan.order == ("b",)

    def test_a_version_that_is_not_available_is_named(
        self, session: Session, chain: ProjectRef
    ) -> None:
        for row in session.scalars(select(ModelVersionRow)):
            row.status = "building"
        with pytest.raises(Conflict) as caught:
            execution.prepare(session, chain, service.get_pipeline_row(session, chain, "p"), {})
        assert "object 'a': version 'v1' of model 'm' is building" in caught.value.message

    def test_timeouts_have_the_seeds_limits(self) -> None:
        execution.check_timeouts(7200, 3600)
        with pytest.raises(InvalidInput) as caught:
            execution.check_timeouts(7201, 300)
        assert caught.value.field == "pipeline_timeout"
        with pytest.raises(InvalidInput) as caught:
            execution.check_timeouts(3600, 0)
        assert caught.value.field == "model_timeout"


# -- batch pipeline requests ------------------------------------------------------------------


def finish(session: Session, results: dict[uuid.UUID, dict[str, Any]]) -> None:
    """Claim every queued job and complete those in ``results``, as the worker does."""
    claimed = jobs_repo.claim(
        session, owner="test", limit=100, now=utcnow() + timedelta(seconds=1), lease=timedelta(60)
    )
    assert set(results) <= {job.id for job in claimed}
    completions = [Completion(i, "succeeded", r, None, utcnow()) for i, r in results.items()]
    jobs_repo.complete(session, owner="test", completions=completions, now=utcnow())
    session.expire_all()


def object_result(name: str, *, success: bool) -> dict[str, Any]:
    now = utcnow().isoformat()
    return {
        "request_id": str(uuid.uuid4()),
        "pipeline_object": name,
        "success": success,
        "request_data": {"x": 1.0},
        "result": {"y": 2.0} if success else None,
        "error_message": None if success else "boom",
        "time_created": now,
        "time_last_updated": now,
    }


class TestBatchPipelineRequests:
    def test_created_pending_and_limited_to_100(self, session: Session, chain: ProjectRef) -> None:
        created = batch.create(session, chain, "p", [{"x": 1.0}, {"x": 2.0}])
        assert [(r.status, r.model_requests) for r in created] == [("queued", [])] * 2
        with pytest.raises(InvalidInput) as caught:
            batch.create(session, chain, "p", [{"x": 1.0}] * 101)
        assert "1 to 100" in caught.value.message
        with pytest.raises(InvalidInput) as caught:
            batch.create(session, chain, "p", [{"x": 1.0}, {"y": 1}])
        assert caught.value.field == "data[1]"
        assert len(batch.listing(session, chain, "p", **LIST_ALL)) == 2

    def test_a_request_with_a_failed_object_is_failed_with_its_model_requests(
        self, session: Session, chain: ProjectRef
    ) -> None:
        good, bad, running = batch.create(session, chain, "p", [{"x": 1.0}] * 3)
        records = [object_result("a", success=True), object_result("b", success=False)]
        failure = "object 'b' failed: boom"
        finish(
            session,
            {
                good.id: {"success": True, "error_message": None, "model_requests": records[:1]},
                bad.id: {"success": False, "error_message": failure, "model_requests": records},
            },
        )
        read_bad = batch.get(session, chain, "p", str(bad.id))
        assert (read_bad.status, read_bad.success) == ("failed", False)
        assert read_bad.error_message == "object 'b' failed: boom"
        assert [m.pipeline_object for m in read_bad.model_requests] == ["a", "b"]
        read_good = batch.get(session, chain, "p", str(good.id))
        assert (read_good.status, read_good.success, read_good.error_message) == (
            "succeeded",
            True,
            None,
        )

        def ids(**filters: Any) -> set[uuid.UUID]:
            return {r.id for r in batch.listing(session, chain, "p", **{**LIST_ALL, **filters})}

        assert ids(status="completed") == {good.id}
        assert ids(status="failed") == {bad.id}
        assert ids(status="processing") == {running.id}
        assert ids(success=True) == {good.id}
        assert ids(success=False) == {bad.id, running.id}

    def test_collect_and_delete_refuse_unknown_ids_as_a_whole(
        self, session: Session, chain: ProjectRef
    ) -> None:
        (known,) = batch.create(session, chain, "p", [{"x": 1.0}])
        unknown = uuid.uuid4()
        with pytest.raises(NotFound) as caught:
            batch.collect(session, chain, "p", [str(known.id), str(unknown)])
        assert str(unknown) in caught.value.message
        with pytest.raises(NotFound):
            batch.delete(session, chain, "p", [known.id, unknown])
        assert batch.collect(session, chain, "p", [str(known.id)])[0].id == known.id
        assert batch.delete(session, chain, "p", [known.id]) == 1
        assert session.get(JobRow, known.id) is None

    def test_listing_parameters_are_checked(self, session: Session, chain: ProjectRef) -> None:
        for filters, field in (
            ({"status": "done"}, "status"),
            ({"sort": "up"}, "sort"),
            ({"limit": 0}, "limit"),
            ({"offset": -1}, "offset"),
        ):
            with pytest.raises(InvalidInput) as caught:
                batch.listing(session, chain, "p", **{**LIST_ALL, **filters})
            assert caught.value.field == field


LIST_ALL: dict[str, Any] = {
    "status": None,
    "success": None,
    "limit": 50,
    "offset": 0,
    "sort": "desc",
}


# -- running, through connectors to a real PostgreSQL -----------------------------------------


@pytest.fixture
def runtime(settings: Settings, sessions: SessionFactory, tmp_path: Path) -> Iterator[Serving]:
    running = create_serving(settings, sessions, LocalStore(tmp_path / "artifacts"))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def rows_pipeline(
    sessions: SessionFactory, settings: Settings, admin_token: TokenIssued
) -> Iterator[tuple[ProjectRef, str]]:
    """Pipeline ``p`` (x: double, label: string) fanning out to two PostgreSQL connectors."""
    with postgres_schema("CREATE TABLE {table} (x double precision, label text)") as schema:
        with transaction(sessions) as session:
            principal = identity.authenticate(session, admin_token.token)
            scope = identity.project_scope(session, principal, "default")
            box = secret_box(settings)
            creds = CredentialsCreate(name="pg", type="postgresql", configuration=POSTGRES)
            connectors.create_credentials(session, box, scope, creds)
            for name in ("rows-1", "rows-2"):
                data = ConnectorCreate(
                    name=name,
                    type="postgresql",
                    credentials="pg",
                    configuration={"schema": schema, "table": "items"},
                    input_fields=specs(x="double", label="string"),
                )
                connectors.create_connector(session, box, scope, data)
            inputs = specs(x="double", label="string")
            service.create_pipeline(
                session,
                scope,
                PipelineCreate(name="p", input_type="structured", input_fields=inputs),
            )
            for name in ("rows-1", "rows-2"):
                data = ObjectCreate(name=name, reference_type="connector", reference_name=name)
                service.create_object(session, scope, "p", data)
                attach(session, scope, "pipeline_start", name, x="x", label="label")
        yield scope, schema


class TestRunning:
    def test_a_fan_out_writes_through_both_connectors(
        self,
        runtime: Serving,
        sessions: SessionFactory,
        rows_pipeline: tuple[ProjectRef, str],
    ) -> None:
        scope, schema = rows_pipeline
        runner = PipelineRunner(sessions, runtime)
        result = runner.request(
            scope, "p", {"x": 1.5, "label": "one"}, pipeline_timeout=60, model_timeout=30
        )
        assert (result.success, result.model_requests) == (True, [])
        assert postgres_rows(schema, "x, label") == [(1.5, "one"), (1.5, "one")]

    def test_a_connector_failure_fails_the_request_and_is_logged(
        self,
        runtime: Serving,
        sessions: SessionFactory,
        rows_pipeline: tuple[ProjectRef, str],
    ) -> None:
        scope, schema = rows_pipeline
        with postgres_connection() as connection:
            connection.execute(f'DROP TABLE "{schema}"."items"'.encode())
        result = PipelineRunner(sessions, runtime).request(
            scope, "p", {"x": 1.0, "label": "x"}, pipeline_timeout=60, model_timeout=30
        )
        assert result.success is False
        assert "Connector 'rows-" in (result.error_message or "")
        assert {r.pipeline_object for r in result.model_requests} == {"rows-1", "rows-2"}
        with transaction(sessions) as session:
            logged = session.scalars(select(LogRow.log).where(LogRow.level == "error")).all()
        assert any("object 'rows-1'" in line and "Connector 'rows-1'" in line for line in logged)

    def test_a_deleted_batch_request_starts_no_object(
        self,
        runtime: Serving,
        sessions: SessionFactory,
        rows_pipeline: tuple[ProjectRef, str],
    ) -> None:
        scope, schema = rows_pipeline
        with transaction(sessions) as session:
            (created,) = batch.create(session, scope, "p", [{"x": 2.0, "label": "two"}])
            job = session.get(JobRow, created.id)
            assert job is not None
            claimed = ClaimedJob(
                job.id, job.kind, job.project_id, job.subject_id, job.payload, 1, 3
            )
            batch.delete(session, scope, "p", [created.id])
        outcome = batch.run_job(PipelineRunner(sessions, runtime), claimed)
        assert outcome.success is True
        assert outcome.result["error_message"] == "the pipeline request was cancelled"
        assert postgres_rows(schema, "x, label") == []

    def test_a_batch_request_runs_as_a_job(
        self,
        runtime: Serving,
        sessions: SessionFactory,
        rows_pipeline: tuple[ProjectRef, str],
    ) -> None:
        scope, schema = rows_pipeline
        with transaction(sessions) as session:
            (created,) = batch.create(session, scope, "p", [{"x": 3.0, "label": "three"}])
            job = session.get(JobRow, created.id)
            assert job is not None
            claimed = ClaimedJob(
                job.id, job.kind, job.project_id, job.subject_id, job.payload, 1, 3
            )
        outcome = batch.run_job(PipelineRunner(sessions, runtime), claimed)
        assert outcome.result == {"success": True, "error_message": None, "model_requests": []}
        assert postgres_rows(schema, "x, label") == [(3.0, "three"), (3.0, "three")]

    def test_a_request_for_a_deleted_pipeline_fails_for_good(
        self,
        runtime: Serving,
        sessions: SessionFactory,
        rows_pipeline: tuple[ProjectRef, str],
    ) -> None:
        scope, _ = rows_pipeline
        with transaction(sessions) as session:
            (created,) = batch.create(session, scope, "p", [{"x": 3.0, "label": "three"}])
            job = session.get(JobRow, created.id)
            assert job is not None
            claimed = ClaimedJob(
                job.id, job.kind, job.project_id, job.subject_id, job.payload, 1, 3
            )
            service.delete_pipeline(session, scope, "p")
        outcome = batch.run_job(PipelineRunner(sessions, runtime), claimed)
        assert (outcome.success, outcome.retryable) == (False, False)
        assert "pipeline this request was made for is gone" in (outcome.error or "")


# -- schedules on pipelines -------------------------------------------------------------------


def pipeline_schedule(**changes: Any) -> ScheduleCreate:
    fields: dict[str, Any] = {
        "name": "nightly",
        "object_type": "pipeline",
        "object_name": "p",
        "schedule": "* * * * *",
        "request_data": {"x": 2.0},
        "timeout": 42,
        **changes,
    }
    return ScheduleCreate.model_validate(fields)


class TestPipelineSchedules:
    def test_a_schedule_targets_a_pipeline_and_follows_it(
        self, session: Session, chain: ProjectRef
    ) -> None:
        created = schedules.create(session, chain, pipeline_schedule())
        assert (created.object_type, created.object_name, created.version) == (
            "pipeline",
            "p",
            None,
        )
        service.update_pipeline(session, chain, "p", PipelineUpdate(name="renamed"))
        assert schedules.get(session, chain, "nightly").object_name == "renamed"
        service.delete_pipeline(session, chain, "renamed")
        session.expire_all()
        assert schedules.listing(session, chain) == []

    def test_the_pipeline_its_input_and_no_version_are_checked(
        self, session: Session, chain: ProjectRef
    ) -> None:
        for changes, field in (
            ({"object_name": "ghost"}, "object_name"),
            ({"version": "v1"}, "version"),
            ({"request_data": {"y": 1}}, "request_data"),
        ):
            with pytest.raises(InvalidInput) as caught:
                schedules.create(session, chain, pipeline_schedule(**changes))
            assert caught.value.field == field
        assert schedules.listing(session, chain) == []

    def test_firing_queues_a_pipeline_request(
        self, sessions: SessionFactory, admin_token: TokenIssued
    ) -> None:
        with transaction(sessions) as session:
            scope = identity.project_scope(
                session, identity.authenticate(session, admin_token.token), "default"
            )
            model(session, scope, "m")
            pipeline(session, scope)
            obj(session, scope, "a")
            attach(session, scope, "pipeline_start", "a", x="x")
            now = utcnow()
            schedules.create(session, scope, pipeline_schedule(), now=now)
            schedules.create(session, scope, pipeline_schedule(name="batched", batch=True), now=now)
        assert Scheduler(sessions).tick(now=now + timedelta(minutes=1)) == 2
        with transaction(sessions) as session:
            found = batch.listing(session, scope, "p", **LIST_ALL)
            pipeline_id = service.get_pipeline(session, scope, "p").id
            jobs = session.scalars(select(JobRow).order_by(JobRow.created_at)).all()
        assert {job.kind for job in jobs} == {batch.KIND}
        assert {job.subject_id for job in jobs} == {pipeline_id}
        payloads = sorted((job.payload for job in jobs), key=lambda p: p["schedule"])
        assert payloads == [
            {"data": {"x": 2.0}, "schedule": "batched"},
            {"data": {"x": 2.0}, "schedule": "nightly", "pipeline_timeout": 42},
        ]
        assert [r.request_data for r in found] == [{"x": 2.0}, {"x": 2.0}]
