"""The cluster's rules over the database: workers heartbeat, instances report, the controller
plans. The caller owns the transaction."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from importlib.util import find_spec

from sqlalchemy.orm import Session

from modelyard.core.cluster import repository as repo
from modelyard.core.cluster import rules
from modelyard.core.cluster.errors import not_a_cluster
from modelyard.core.cluster.schemas import PlacementRead, PlanRead, WorkerRead
from modelyard.db.tables import PlacementRow
from modelyard.db.types import utcnow
from modelyard.settings import Settings

DEAD_AFTER_BEATS = 3
DEAD_AFTER_AT_LEAST = 10.0
"""A worker is dead when silent for three beats and at least this many seconds: a busy machine
stalls a process for a few seconds now and then, and moving its instances costs more."""
Depths = Callable[[list[str]], Mapping[str, tuple[int, int]]]
"""Messages waiting and consumers per version id (as a string), from the broker."""


def check_settings(settings: Settings) -> None:
    """Refuse celery mode without PostgreSQL, a shared artifact store and a broker."""
    if settings.executor != "celery":
        return
    problems = []
    if not (settings.database_url or "").startswith("postgresql"):
        problems.append("set MODELYARD_DATABASE_URL to a PostgreSQL URL (SQLite is one machine's)")
    if not (settings.storage_url or "").startswith("s3://"):
        problems.append(
            "set MODELYARD_STORAGE_URL to an s3://bucket/prefix store (a local artifact "
            "directory is not seen by other machines)"
        )
    if not (settings.broker_url or "").startswith(("amqp://", "amqps://", "pyamqp://")):
        problems.append("set MODELYARD_BROKER_URL to a RabbitMQ URL (amqp://user:pass@host:5672/)")
    missing = [name for name in ("celery", "kombu") if not _installed(name)]
    if missing:
        problems.append(
            f"{', '.join(missing)} missing: reinstall modelyard with its dependencies "
            "(pip install modelyard)"
        )
    if settings.secret_key is None:
        problems.append(
            "set MODELYARD_SECRET_KEY to the same key on every machine (instances unseal "
            "secrets with it; none crosses the broker)"
        )
    if problems:
        raise not_a_cluster(problems)


def _installed(name: str) -> bool:
    """Whether ``name`` can be imported, without importing it.

    A module already imported is answered from ``sys.modules``: kombu replaces its own module
    object with one that has no ``__spec__``, and ``find_spec`` raises on that.
    """
    if name in sys.modules:
        return sys.modules[name] is not None
    return find_spec(name) is not None


def heartbeat(session: Session, worker_id: uuid.UUID, *, name: str, memory_mb: int) -> WorkerRead:
    """Say that ``worker_id`` is alive, with the memory it can give instances now."""
    row = repo.beat(session, worker_id, name=name, memory_mb=memory_mb, now=utcnow())
    return WorkerRead.model_validate(row)


def leave(session: Session, worker_id: uuid.UUID) -> None:
    """A worker stopping on purpose: its placements go at once (the controller re-places)."""
    repo.remove_worker(session, worker_id)


def placements_of(session: Session, worker_id: uuid.UUID) -> list[PlacementRead]:
    return [PlacementRead.model_validate(p) for p in repo.placements_of(session, worker_id)]


def placement(session: Session, placement_id: uuid.UUID) -> PlacementRead | None:
    row = repo.placement(session, placement_id)
    return None if row is None else PlacementRead.model_validate(row)


def placements(session: Session) -> list[PlacementRead]:
    return [PlacementRead.model_validate(p) for p in repo.placements(session)]


def workers(session: Session) -> list[WorkerRead]:
    return [WorkerRead.model_validate(w) for w in repo.workers(session)]


def ready(session: Session, placement_id: uuid.UUID) -> None:
    """The instance of ``placement_id`` is up and consuming its queue."""
    now = utcnow()
    repo.mark(session, placement_id, ready_at=now, used_at=now)


def used(session: Session, placement_id: uuid.UUID) -> None:
    """The instance of ``placement_id`` began a request (reported at most every few seconds)."""
    repo.mark(session, placement_id, used_at=utcnow())


def control(session: Session, depths: Depths, *, heartbeat_seconds: float) -> PlanRead:
    """One pass of the controller: forget dead workers, then place and remove instances."""
    now = utcnow()
    silent = max(heartbeat_seconds * DEAD_AFTER_BEATS, DEAD_AFTER_AT_LEAST)
    cutoff = now - timedelta(seconds=silent)
    dead = [w.id for w in repo.workers(session) if w.heartbeat_at < cutoff]
    repo.remove_workers(session, dead)
    live = [rules.Worker(w.id, w.memory_mb) for w in repo.workers(session)]
    versions = list(repo.runnable_versions(session))
    waiting = depths([str(v.id) for v in versions]) if versions else {}
    wanted = [
        rules.Version(
            v.id,
            v.minimum_instances,
            v.maximum_instances,
            float(v.maximum_idle_time),
            v.memory_allocation,
            waiting=waiting.get(str(v.id), (0, 0))[0],
            revision=v.revision,
        )
        for v in versions
    ]
    placed = [_placed(p, now) for p in repo.placements(session)]
    plan = rules.plan(wanted, live, placed)
    repo.remove_placements(session, plan.remove)
    by_id = {v.id: v for v in wanted}
    added = [
        repo.add_placement(
            session,
            version_id=v,
            worker_id=w,
            memory_mb=by_id[v].memory_mb,
            revision=by_id[v].revision,
        )
        for v, w in plan.add
    ]
    return PlanRead(
        added=[PlacementRead.model_validate(p) for p in added],
        removed=plan.remove,
        dead_workers=dead,
    )


def _placed(row: PlacementRow, now: datetime) -> rules.Placed:
    last = row.used_at or row.ready_at or row.created_at
    return rules.Placed(
        row.id,
        row.version_id,
        row.worker_id,
        row.memory_mb,
        ready=row.ready_at is not None,
        idle_for=(now - last).total_seconds(),
        revision=row.revision,
    )
