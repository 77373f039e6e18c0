"""The controller's pass and the workers' heartbeats on a real migrated database (SQLite, and
PostgreSQL with ``MODELYARD_TEST_POSTGRES_URL``): the SQL of ``core/cluster``."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from modelyard.core.cluster import service as cluster
from modelyard.core.cluster.controller import Controller
from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import TokenIssued
from modelyard.core.serving import service as serving
from modelyard.core.serving.schemas import ModelCreate, VersionCreate
from modelyard.db.engine import SessionFactory
from modelyard.db.tables import ModelVersionRow, WorkerRow
from modelyard.db.types import utcnow

BEAT = 1.0


@pytest.fixture
def version_id(session: Session, admin_token: TokenIssued) -> uuid.UUID:
    """An available version wanting one warm instance of 256 MB."""
    principal = identity.authenticate(session, admin_token.token)
    project = identity.project_scope(session, principal, "default")
    serving.create_model(
        session, project, ModelCreate(name="m", input_type="plain", output_type="plain")
    )
    created = serving.create_version(
        session,
        project,
        "m",
        VersionCreate(
            version="v1", minimum_instances=1, maximum_instances=3, memory_allocation=256
        ),
    )
    session.execute(
        update(ModelVersionRow).where(ModelVersionRow.id == created.id).values(status="available")
    )
    return created.id


def no_queue(keys: list[str]) -> dict[str, tuple[int, int]]:
    return dict.fromkeys(keys, (0, 0))


class TestControlling:
    def test_the_minimum_is_placed_on_a_live_worker_and_not_twice(
        self, session: Session, version_id: uuid.UUID
    ) -> None:
        worker = uuid.uuid4()
        cluster.heartbeat(session, worker, name="a", memory_mb=4000)
        first = cluster.control(session, no_queue, heartbeat_seconds=BEAT)
        assert [(p.version_id, p.worker_id) for p in first.added] == [(version_id, worker)]
        assert cluster.control(session, no_queue, heartbeat_seconds=BEAT).added == []

    def test_waiting_requests_scale_up_to_the_maximum(
        self, session: Session, version_id: uuid.UUID
    ) -> None:
        cluster.heartbeat(session, uuid.uuid4(), name="a", memory_mb=4000)
        for placement in cluster.control(session, no_queue, heartbeat_seconds=BEAT).added:
            cluster.ready(session, placement.id)

        def busy(keys: list[str]) -> dict[str, tuple[int, int]]:
            return dict.fromkeys(keys, (10, 1))

        assert len(cluster.control(session, busy, heartbeat_seconds=BEAT).added) == 2
        assert len(cluster.placements(session)) == 3

    def test_a_silent_worker_is_dropped_and_its_instance_placed_on_another(
        self, session: Session, version_id: uuid.UUID
    ) -> None:
        dead, alive = uuid.uuid4(), uuid.uuid4()
        cluster.heartbeat(session, dead, name="dead", memory_mb=8000)
        cluster.control(session, no_queue, heartbeat_seconds=BEAT)
        cluster.heartbeat(session, alive, name="alive", memory_mb=4000)
        long_ago = utcnow() - timedelta(minutes=5)
        session.execute(update(WorkerRow).where(WorkerRow.id == dead).values(heartbeat_at=long_ago))
        plan = cluster.control(session, no_queue, heartbeat_seconds=BEAT)
        assert plan.dead_workers == [dead]
        assert [p.worker_id for p in cluster.placements(session)] == [alive]
        assert [w.id for w in cluster.workers(session)] == [alive]

    def test_a_worker_that_leaves_takes_its_placements_with_it(
        self, session: Session, version_id: uuid.UUID
    ) -> None:
        worker = uuid.uuid4()
        cluster.heartbeat(session, worker, name="a", memory_mb=4000)
        cluster.control(session, no_queue, heartbeat_seconds=BEAT)
        cluster.leave(session, worker)
        assert cluster.placements(session) == []
        assert cluster.placements_of(session, worker) == []


class TestOneControllerAtATime:
    def test_the_advisory_lock_lets_one_lead_and_passes_on_when_it_stops(
        self, sessions: SessionFactory, database_url: str
    ) -> None:
        if not database_url.startswith("postgresql"):
            pytest.skip("the controller's lock is a PostgreSQL advisory lock")
        first = Controller(sessions, no_queue, heartbeat_seconds=BEAT)
        second = Controller(sessions, no_queue, heartbeat_seconds=BEAT)
        try:
            assert first.tick()
            assert not second.tick()
            assert first.tick()  # it keeps the lead
            first.stop()
            assert second.tick()
        finally:
            first.stop()
            second.stop()
