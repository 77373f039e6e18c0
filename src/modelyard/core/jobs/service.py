"""Enqueueing work in the caller's transaction, and reading it back.

A domain that accepts work calls ``enqueue`` inside the same transaction that records the
acceptance: either both are committed or neither is, so no accepted work can be lost; on
commit every worker, in every process, is told (``CHANNEL``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.jobs import repository as repo
from modelyard.core.jobs.schemas import JobRead
from modelyard.db import effects
from modelyard.db.types import utcnow

DEFAULT_MAX_ATTEMPTS = 3
CHANNEL = "jobs"
"""Signalled when queued work is committed: every worker looks at once, not at its next poll."""


def enqueue(
    session: Session,
    *,
    kind: str,
    project_id: uuid.UUID,
    subject_id: uuid.UUID | None,
    payloads: Sequence[dict[str, Any]],
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> list[JobRead]:
    """Queue one job per payload; returns them as they were accepted."""
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "kind": kind,
            "project_id": project_id,
            "subject_id": subject_id,
            "status": "queued",
            "payload": payload,
            "result": None,
            "error": None,
            "attempts": 0,
            "max_attempts": max_attempts,
            "lease_owner": None,
            "lease_expires_at": None,
            "idempotency_key": None,
            "run_after": now,
            "created_at": now,
            "updated_at": now,
            "finished_at": None,
        }
        for payload in payloads
    ]
    repo.insert_jobs(session, rows)
    effects.signal(session, CHANNEL)
    return [JobRead.model_validate(row) for row in rows]


def find(
    session: Session, *, kind: str, subject_id: uuid.UUID, job_ids: Sequence[uuid.UUID]
) -> list[JobRead]:
    """The jobs among ``job_ids`` of this kind and subject (missing ones are left out)."""
    rows = repo.get_jobs(session, kind=kind, subject_id=subject_id, job_ids=job_ids)
    return [JobRead.model_validate(row) for row in rows]


def search(
    session: Session,
    *,
    kind: str,
    subject_id: uuid.UUID,
    statuses: Sequence[str] | None = None,
    success: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    newest_first: bool = True,
) -> list[JobRead]:
    rows = repo.list_jobs(
        session,
        kind=kind,
        subject_id=subject_id,
        statuses=statuses,
        success=success,
        limit=limit,
        offset=offset,
        newest_first=newest_first,
    )
    return [JobRead.model_validate(row) for row in rows]


def remove(session: Session, job_ids: Sequence[uuid.UUID]) -> None:
    """Delete jobs; a queued one never runs, a running one's result is dropped."""
    repo.delete_jobs(session, job_ids)
