"""All SQL of the job queue.

Claims are one statement: ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING``. PostgreSQL
adds ``FOR UPDATE SKIP LOCKED`` so concurrent workers never wait on each other; SQLite
serialises writers, which makes the same statement atomic there.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, literal, select, update
from sqlalchemy.orm import Session

from modelyard.core.jobs.schemas import ClaimedJob
from modelyard.db.tables import JobRow

JOBS: Table = JobRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Completion:
    """A finished attempt, to be written back under the worker's lease."""

    job_id: uuid.UUID
    status: str
    result: Any
    error: str | None
    run_after: datetime


def insert_jobs(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many jobs in one statement (the rows carry their own ids)."""
    if rows:
        session.execute(JOBS.insert(), list(rows))


ANY_DUE = (
    select(literal(1))
    .where(JOBS.c.status == "queued", JOBS.c.run_after <= bindparam("now"))
    .limit(1)
)
"""Whether any job is due at ``now``: what an idle worker asks before it claims."""


def claim(
    session: Session,
    *,
    owner: str,
    limit: int,
    now: datetime,
    lease: timedelta,
    not_kinds: Collection[str] = (),
) -> list[ClaimedJob]:
    """Up to ``limit`` due jobs, oldest first, leased to ``owner``; none of ``not_kinds``."""
    candidates = (
        select(JobRow.id)
        .where(JobRow.status == "queued", JobRow.run_after <= now)
        .order_by(JobRow.run_after, JobRow.created_at)
        .limit(limit)
    )
    if not_kinds:
        candidates = candidates.where(JobRow.kind.not_in(not_kinds))
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    statement = (
        update(JOBS)
        .where(JOBS.c.id.in_(candidates.scalar_subquery()))
        .values(
            status="running",
            lease_owner=owner,
            lease_expires_at=now + lease,
            attempts=JOBS.c.attempts + 1,
            updated_at=now,
        )
        .returning(
            JOBS.c.id,
            JOBS.c.kind,
            JOBS.c.project_id,
            JOBS.c.subject_id,
            JOBS.c.payload,
            JOBS.c.attempts,
            JOBS.c.max_attempts,
        )
    )
    return [ClaimedJob(*row) for row in session.execute(statement).all()]


def complete(
    session: Session, *, owner: str, completions: Sequence[Completion], now: datetime
) -> None:
    """Write finished attempts back; a job whose lease was lost (or that was deleted) is skipped."""
    if not completions:
        return
    statement = (
        update(JOBS)
        .where(
            JOBS.c.id == bindparam("job_id"),
            JOBS.c.lease_owner == owner,
            JOBS.c.status == "running",
        )
        .values(
            status=bindparam("new_status"),
            result=bindparam("new_result"),
            error=bindparam("new_error"),
            run_after=bindparam("new_run_after"),
            finished_at=bindparam("new_finished_at"),
            updated_at=now,
            lease_owner=None,
            lease_expires_at=None,
        )
    )
    session.connection().execute(
        statement,
        [
            {
                "job_id": c.job_id,
                "new_status": c.status,
                "new_result": c.result,
                "new_error": c.error,
                "new_run_after": c.run_after,
                "new_finished_at": now if c.status != "queued" else None,
            }
            for c in completions
        ],
    )


def extend_leases(
    session: Session, *, owner: str, job_ids: Iterable[uuid.UUID], until: datetime
) -> None:
    ids = list(job_ids)
    if ids:
        session.execute(
            update(JOBS)
            .where(JOBS.c.id.in_(ids), JOBS.c.lease_owner == owner, JOBS.c.status == "running")
            .values(lease_expires_at=until)
        )


def expired_leases(
    session: Session, *, now: datetime, limit: int = 500
) -> list[tuple[uuid.UUID, int, int]]:
    query = (
        select(JobRow.id, JobRow.attempts, JobRow.max_attempts)
        .where(JobRow.status == "running", JobRow.lease_expires_at < now)
        .limit(limit)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(query).all()]


def reset_expired(
    session: Session, job_id: uuid.UUID, *, status: str, error: str | None, now: datetime
) -> None:
    """Give back a job whose worker vanished (only if its lease is still the expired one)."""
    session.execute(
        update(JOBS)
        .where(JOBS.c.id == job_id, JOBS.c.status == "running", JOBS.c.lease_expires_at < now)
        .values(
            status=status,
            error=error,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=now,
            finished_at=now if status == "failed" else None,
        )
    )


def release(
    session: Session, *, owner: str, now: datetime, job_ids: Collection[uuid.UUID] | None = None
) -> int:
    """A worker hands unfinished jobs back (all of its own when it stops cleanly, or those it
    claimed but may not run yet), without using up an attempt."""
    chosen = JOBS.c.lease_owner == owner
    if job_ids is not None:
        chosen = chosen & JOBS.c.id.in_(list(job_ids))
    result = session.execute(
        update(JOBS)
        .where(chosen, JOBS.c.status == "running")
        .values(
            status="queued",
            attempts=JOBS.c.attempts - 1,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=now,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def get_jobs(
    session: Session, *, kind: str, subject_id: uuid.UUID, job_ids: Sequence[uuid.UUID]
) -> Sequence[JobRow]:
    query = select(JobRow).where(
        JobRow.kind == kind, JobRow.subject_id == subject_id, JobRow.id.in_(job_ids)
    )
    return session.scalars(query).all()


def list_jobs(
    session: Session,
    *,
    kind: str,
    subject_id: uuid.UUID,
    statuses: Sequence[str] | None,
    success: bool | None,
    limit: int,
    offset: int,
    newest_first: bool,
) -> Sequence[JobRow]:
    query = select(JobRow).where(JobRow.kind == kind, JobRow.subject_id == subject_id)
    if statuses is not None:
        query = query.where(JobRow.status.in_(statuses))
    if success is True:
        query = query.where(JobRow.status == "succeeded")
    elif success is False:
        query = query.where(JobRow.status != "succeeded")
    order = JobRow.created_at.desc() if newest_first else JobRow.created_at.asc()
    return session.scalars(query.order_by(order, JobRow.id).limit(limit).offset(offset)).all()


def delete_jobs(session: Session, job_ids: Sequence[uuid.UUID]) -> None:
    session.execute(delete(JOBS).where(JOBS.c.id.in_(job_ids)))


def count_by_status(session: Session, kind: str | None = None) -> dict[str, int]:
    query = select(JobRow.status, func.count()).group_by(JobRow.status)
    if kind is not None:
        query = query.where(JobRow.kind == kind)
    return {status: count for status, count in session.execute(query).all()}
