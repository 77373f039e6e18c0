"""The audit log: who created, changed or deleted what, and when.

The HTTP edge hands every successful mutating call to ``AuditRecorder.record`` (a queue put);
a background thread resolves the caller's token to a user and writes the entries in batches.
Only the method, the path and the caller are kept, never a body or a header, so no secret sent
with a change can end up in the audit log.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from modelyard.core.identity import repository as identity_repo
from modelyard.core.identity.rules import hash_token
from modelyard.core.observe import repository as repo
from modelyard.core.observe.errors import invalid
from modelyard.core.observe.schemas import AuditEntry
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import AuditLogRow

logger = logging.getLogger(__name__)
FLUSH_SECONDS = 0.5
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_CHANGES = ("/request", "/logs", "/collect")
"""POSTs that read or run rather than change: direct requests, log queries, batch collects."""


@dataclass(frozen=True)
class Change:
    """A successful mutating call as the edge saw it; the token only as its hash."""

    at: datetime
    method: str
    path: str
    status: int
    token_hash: str | None


@dataclass(frozen=True)
class Resource:
    type: str | None
    name: str | None
    project_name: str | None


def is_change(method: str, path: str, status: int) -> bool:
    """Worth an audit entry: a create, update or delete that succeeded."""
    return method in MUTATING and 200 <= status < 300 and not path.endswith(NOT_CHANGES)


def resource_of(path: str) -> Resource:
    """What a path is about: ``/v2.1/projects/p/models/m`` is model ``m`` of project ``p``."""
    segments = [s for s in path.strip("/").split("/") if s]
    if segments and segments[0][:1] == "v" and segments[0][1:2].isdigit():
        segments = segments[1:]
    kind = name = project = None
    for position in range(0, len(segments), 2):
        kind = segments[position]
        name = segments[position + 1] if position + 1 < len(segments) else None
        if kind == "projects":
            project = name
    return Resource(kind, name, project)


class AuditRecorder:
    """Queues changes on the request path; writes them about twice a second."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self._queue: queue.SimpleQueue[Change | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="modelyard-audit", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=10)

    def record(self, method: str, path: str, status: int, *, token: str | None) -> None:
        if is_change(method, path, status):
            token_hash = hash_token(token) if token else None
            self._queue.put(Change(datetime.now(UTC), method, path[:1024], status, token_hash))

    def _run(self) -> None:
        done = False
        while not done:
            batch, done = self._drain()
            if batch:
                self._write(batch)

    def _drain(self) -> tuple[list[Change], bool]:
        batch: list[Change] = []
        try:
            item = self._queue.get(timeout=FLUSH_SECONDS)
        except queue.Empty:
            return batch, False
        while item is not None:
            batch.append(item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
        return batch, True

    def _write(self, batch: list[Change]) -> None:
        try:
            with transaction(self.sessions) as session:
                repo.add_audit(session, [_row(session, change) for change in batch])
        except Exception:
            logger.exception("could not save %d audit entries", len(batch))


def _row(session: Session, change: Change) -> AuditLogRow:
    found = (
        identity_repo.get_token_by_hash(session, change.token_hash) if change.token_hash else None
    )
    resource = resource_of(change.path)
    return AuditLogRow(
        date=change.at,
        actor_id=found[1].id if found else None,
        actor_email=found[1].email if found else None,
        method=change.method,
        path=change.path,
        resource_type=resource.type,
        resource_name=resource.name,
        project_name=resource.project_name,
        status=change.status,
    )


def list_entries(
    session: Session,
    *,
    project_name: str | None = None,
    actor_email: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest entries first, optionally of one project or one actor, since a moment."""
    if not 1 <= limit <= 10_000:
        raise invalid("limit", "must be between 1 and 10000")
    rows = repo.list_audit(
        session, project_name=project_name, actor_email=actor_email, since=since, limit=limit
    )
    return [AuditEntry.model_validate(row) for row in rows]
