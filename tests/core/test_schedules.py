"""Scheduled requests on a real database: the rules, and firing once per tick under races."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.schedules import service as schedules
from modelyard.core.schedules.scheduler import Scheduler
from modelyard.core.schedules.schemas import ScheduleCreate, ScheduleUpdate
from modelyard.core.serving import batch, service
from modelyard.core.serving.schemas import FieldSpec, ModelCreate, ModelUpdate, VersionCreate
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import JobRow
from modelyard.errors import Conflict, InvalidInput, NotFound

T0 = datetime(2024, 1, 1, 12, 0, 30, tzinfo=UTC)


def minute(n: int) -> datetime:
    """``n`` whole minutes after 12:00 on the day of ``T0``."""
    return datetime(2024, 1, 1, 12, 0, tzinfo=UTC) + timedelta(minutes=n)


@pytest.fixture
def project(sessions: SessionFactory) -> ProjectRef:
    """The default project with model ``m`` (structured input ``x``) and its version ``v1``."""
    with transaction(sessions) as session:
        issued = identity.bootstrap(session, admin_email="admin@modelyard.local")
        assert issued is not None
        principal = identity.authenticate(session, issued.token)
        project = identity.project_scope(session, principal, "default")
        model = ModelCreate(
            name="m",
            input_type="structured",
            output_type="structured",
            input_fields=[FieldSpec(name="x", data_type="double")],
        )
        service.create_model(session, project, model)
        service.create_version(session, project, "m", VersionCreate(version="v1"))
        return project


def spec(name: str = "nightly", **changes: Any) -> ScheduleCreate:
    fields: dict[str, Any] = {
        "name": name,
        "object_type": "model",
        "object_name": "m",
        "version": "v1",
        "schedule": "* * * * *",
        "request_data": {"x": 2.0},
        **changes,
    }
    return ScheduleCreate.model_validate(fields)


def create(sessions: SessionFactory, project: ProjectRef, **changes: Any) -> None:
    with transaction(sessions) as session:
        schedules.create(session, project, spec(**changes), now=T0)


def jobs_by_kind(sessions: SessionFactory) -> Counter[str]:
    with transaction(sessions) as session:
        return Counter(session.scalars(select(JobRow.kind)).all())


def refusal(session: Session, project: ProjectRef, **changes: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        schedules.create(session, project, spec(**changes), now=T0)
    return caught.value


class TestCreate:
    def test_defaults_and_the_first_tick(self, session: Session, project: ProjectRef) -> None:
        created = schedules.create(session, project, spec(), now=T0)
        assert (created.object_type, created.object_name, created.version) == ("model", "m", "v1")
        assert (created.batch, created.timeout, created.enabled) == (False, 300, True)
        assert created.request_data == {"x": 2.0}
        assert created.next_run_at == minute(1)
        assert created.creation_date == T0
        assert [s.name for s in schedules.listing(session, project)] == ["nightly"]
        assert schedules.get(session, project, "nightly").id == created.id

    def test_the_expression_is_stored_normalised(
        self, session: Session, project: ProjectRef
    ) -> None:
        created = schedules.create(session, project, spec(schedule=" 0  * 3 * * "), now=T0)
        assert created.schedule == "0 * 3 * *"
        assert created.next_run_at == datetime(2024, 1, 3, tzinfo=UTC)

    def test_names_are_unique_per_project(self, session: Session, project: ProjectRef) -> None:
        schedules.create(session, project, spec(), now=T0)
        with pytest.raises(Conflict) as caught:
            schedules.create(session, project, spec(), now=T0)
        assert caught.value.field == "name"

    @pytest.mark.parametrize("name", ["Nightly", "1st", "with_underscore", "x" * 65, ""])
    def test_names_follow_the_naming_rules(
        self, session: Session, project: ProjectRef, name: str
    ) -> None:
        assert refusal(session, project, name=name).field == "name"

    def test_a_bad_cron_expression_names_schedule_and_the_reason(
        self, session: Session, project: ProjectRef
    ) -> None:
        error = refusal(session, project, schedule="61 * * * *")
        assert error.field == "schedule"
        assert "out of range" in error.message
        assert refusal(session, project, schedule="* * * *").field == "schedule"
        too_long = refusal(session, project, schedule="0 " + "1," * 70 + "1 * * *")
        assert (too_long.field, "128" in too_long.message) == ("schedule", True)

    def test_the_target_must_exist(self, session: Session, project: ProjectRef) -> None:
        unknown_model = refusal(session, project, object_name="nope")
        assert unknown_model.field == "object_name"
        assert "model 'nope' does not exist" in unknown_model.message
        assert refusal(session, project, version=None).field == "version"
        unknown_version = refusal(session, project, version="v9")
        assert unknown_version.field == "version"
        assert "'v9'" in unknown_version.message

    def test_pipelines_are_refused_until_they_exist(
        self, session: Session, project: ProjectRef
    ) -> None:
        error = refusal(session, project, object_type="pipeline", object_name="p", version=None)
        assert error.field == "object_name"
        assert "pipeline 'p' does not exist" in error.message
        assert refusal(session, project, object_type="deployment").field == "object_type"

    def test_request_data_must_fit_the_models_input(
        self, session: Session, project: ProjectRef
    ) -> None:
        error = refusal(session, project, request_data={"y": 1})
        assert error.field == "request_data"
        assert "missing field 'x'" in error.message
        assert refusal(session, project, request_data="plain").field == "request_data"

    @pytest.mark.parametrize("timeout", [0, 3601])
    def test_timeout_is_1_to_3600_seconds(
        self, session: Session, project: ProjectRef, timeout: int
    ) -> None:
        assert refusal(session, project, timeout=timeout).field == "timeout"

    def test_a_refusal_stores_nothing(self, session: Session, project: ProjectRef) -> None:
        refusal(session, project, schedule="bad")
        assert schedules.listing(session, project) == []


class TestUpdateAndDelete:
    def test_rename_and_change_fields(self, session: Session, project: ProjectRef) -> None:
        schedules.create(session, project, spec(), now=T0)
        changes = ScheduleUpdate(name="hourly", batch=True, timeout=60, request_data={"x": 1})
        updated = schedules.update(session, project, "nightly", changes, now=T0)
        assert (updated.name, updated.batch, updated.timeout) == ("hourly", True, 60)
        assert updated.request_data == {"x": 1}
        with pytest.raises(NotFound) as caught:
            schedules.get(session, project, "nightly")
        assert caught.value.field == "schedule_name"

    def test_renaming_onto_another_schedule_conflicts(
        self, session: Session, project: ProjectRef
    ) -> None:
        schedules.create(session, project, spec("a"), now=T0)
        schedules.create(session, project, spec("b"), now=T0)
        with pytest.raises(Conflict):
            schedules.update(session, project, "a", ScheduleUpdate(name="b"))

    def test_a_new_cron_waits_for_its_next_tick_from_now(
        self, session: Session, project: ProjectRef
    ) -> None:
        schedules.create(session, project, spec(), now=T0)
        later = T0 + timedelta(minutes=10)
        updated = schedules.update(
            session, project, "nightly", ScheduleUpdate(schedule="0 * * * *"), now=later
        )
        assert (updated.schedule, updated.next_run_at) == ("0 * * * *", minute(60))

    def test_one_bad_field_changes_nothing(self, session: Session, project: ProjectRef) -> None:
        schedules.create(session, project, spec(), now=T0)
        bad = ScheduleUpdate(name="renamed", timeout=5000)
        with pytest.raises(InvalidInput) as caught:
            schedules.update(session, project, "nightly", bad)
        assert caught.value.field == "timeout"
        with pytest.raises(InvalidInput) as data:
            schedules.update(session, project, "nightly", ScheduleUpdate(request_data=None))
        assert data.value.field == "request_data"
        kept = schedules.get(session, project, "nightly")
        assert (kept.timeout, kept.request_data) == (300, {"x": 2.0})

    def test_delete(self, session: Session, project: ProjectRef) -> None:
        schedules.create(session, project, spec(), now=T0)
        schedules.delete(session, project, "nightly")
        assert schedules.listing(session, project) == []
        with pytest.raises(NotFound):
            schedules.delete(session, project, "nightly")

    def test_schedules_follow_their_model_and_go_with_it(
        self, session: Session, project: ProjectRef
    ) -> None:
        schedules.create(session, project, spec(), now=T0)
        service.update_model(session, project, "m", ModelUpdate(name="renamed"))
        assert schedules.get(session, project, "nightly").object_name == "renamed"
        service.delete_version(session, project, "renamed", "v1")
        session.expire_all()
        assert schedules.listing(session, project) == []


class TestFiring:
    def test_fires_at_its_tick_not_before(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        create(sessions, project)
        scheduler = Scheduler(sessions)
        assert scheduler.tick(now=minute(1) - timedelta(seconds=1)) == 0
        assert scheduler.tick(now=minute(1)) == 1
        assert scheduler.tick(now=minute(1) + timedelta(seconds=30)) == 0
        assert scheduler.tick(now=minute(2)) == 1
        assert jobs_by_kind(sessions) == Counter({schedules.KIND: 2})

    def test_a_direct_firing_carries_the_data_and_timeout_to_the_version(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        create(sessions, project, timeout=42)
        Scheduler(sessions).tick(now=minute(1))
        with transaction(sessions) as session:
            job = session.scalars(select(JobRow)).one()
            version_id = service.get_version(session, project, "m", "v1").id
        assert (job.kind, job.subject_id, job.status) == (schedules.KIND, version_id, "queued")
        assert job.payload == {"data": {"x": 2.0}, "schedule": "nightly", "timeout": 42}

    def test_a_batch_firing_is_a_batch_request_of_the_version(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        create(sessions, project, batch=True)
        assert Scheduler(sessions).tick(now=minute(1)) == 1
        with transaction(sessions) as session:
            found = batch.listing(
                session,
                project,
                "m",
                "v1",
                status=None,
                success=None,
                limit=10,
                offset=0,
                sort="desc",
            )
        assert [job.payload["data"] for job in found] == [{"x": 2.0}]

    def test_ticks_missed_while_down_fire_once_then_wait_for_the_next(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        create(sessions, project)
        scheduler = Scheduler(sessions)
        back = minute(180) + timedelta(seconds=20)
        assert scheduler.tick(now=back) == 1
        assert scheduler.tick(now=back + timedelta(seconds=5)) == 0
        with transaction(sessions) as session:
            assert schedules.get(session, project, "nightly").next_run_at == minute(181)
        assert jobs_by_kind(sessions).total() == 1

    def test_a_disabled_schedule_does_not_fire_and_resumes_from_now(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        create(sessions, project, enabled=False)
        scheduler = Scheduler(sessions)
        assert scheduler.tick(now=minute(5)) == 0
        with transaction(sessions) as session:
            on = ScheduleUpdate(enabled=True)
            resumed = schedules.update(session, project, "nightly", on, now=minute(5))
        assert resumed.next_run_at == minute(6)
        assert scheduler.tick(now=minute(6)) == 1

    def test_a_schedule_changed_after_it_was_read_is_not_fired_stale(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        create(sessions, project)
        with transaction(sessions) as session:
            (seen,) = schedules.due(session, now=minute(1))
        with transaction(sessions) as session:
            off = ScheduleUpdate(enabled=False)
            schedules.update(session, project, "nightly", off, now=minute(1))
        with transaction(sessions) as session:
            assert schedules.fire(session, seen, now=minute(1)) is None
        assert jobs_by_kind(sessions).total() == 0


class TestOncePerTick:
    def test_the_second_of_two_schedulers_that_saw_a_tick_fires_nothing(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        create(sessions, project)
        with transaction(sessions) as session:
            (seen_by_a,) = schedules.due(session, now=minute(1))
        with transaction(sessions) as session:
            (seen_by_b,) = schedules.due(session, now=minute(1))
        with transaction(sessions) as session:
            assert schedules.fire(session, seen_by_a, now=minute(1)) is not None
        with transaction(sessions) as session:
            assert schedules.fire(session, seen_by_b, now=minute(1)) is None
        assert jobs_by_kind(sessions).total() == 1

    def test_racing_schedulers_enqueue_exactly_one_job_per_schedule(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        names = [f"s{n}" for n in range(10)]
        for name in names:
            create(sessions, project, name=name)
        racers = [Scheduler(sessions) for _ in range(4)]
        start = threading.Barrier(len(racers))
        won: list[int] = []
        lock = threading.Lock()

        def race(scheduler: Scheduler) -> None:
            start.wait()
            fired = scheduler.tick(now=minute(1))
            with lock:
                won.append(fired)

        threads = [threading.Thread(target=race, args=(s,)) for s in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(won) == len(racers)
        assert sum(won) == len(names)
        assert jobs_by_kind(sessions) == Counter({schedules.KIND: len(names)})
