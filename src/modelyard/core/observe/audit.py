"""The audit log: who created, changed or deleted what, and when.

The HTTP edge hands every successful mutating call to ``AuditRecorder.record`` (a queue put);
the background batch writer resolves the caller's token to a user and writes the entries in
batches.
Only the method, the path and the caller are kept, never a body or a header, so no secret sent
with a change can end up in the audit log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from modelyard.core.batch_writer import BatchWriter
from modelyard.core.identity import repository as identity_repo
from modelyard.core.identity import service as identity
from modelyard.core.identity.rules import hash_token
from modelyard.core.observe import repository as repo
from modelyard.core.observe.errors import invalid
from modelyard.core.observe.schemas import AuditEntry
from modelyard.db.engine import SessionFactory
from modelyard.db.tables import AuditLogRow

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
    """Queues changes on the request path; a batch writer stores them as they come."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self._writer = BatchWriter(sessions, _rows, name="modelyard-audit", what="audit entries")

    def start(self) -> None:
        self._writer.start()

    def close(self) -> None:
        """Write every change recorded so far and stop."""
        self._writer.close()

    def record(self, method: str, path: str, status: int, *, token: str | None) -> None:
        if is_change(method, path, status):
            token_hash = hash_token(token) if token else None
            self._writer.put(Change(datetime.now(UTC), method, path[:1024], status, token_hash))


def _rows(session: Session, batch: list[Change]) -> list[AuditLogRow]:
    """The batch's entries; each caller's token is looked up once per batch (a busy client's
    changes share it), and answered by the cached lookups while they hold it."""
    actors = {
        token_hash: _actor(session, token_hash)
        for token_hash in {change.token_hash for change in batch}
    }
    return [_row(change, actors[change.token_hash]) for change in batch]


def _actor(session: Session, token_hash: str | None) -> tuple[uuid.UUID, str] | None:
    """Whose token it was: from the cached lookups (no query) while they hold it, else from
    the database, where a token revoked since the change still names its user."""
    if token_hash is None:
        return None
    if (principal := identity.principal_by_hash(session, token_hash)) is not None:
        return principal.user_id, principal.email
    found = identity_repo.get_token_by_hash(session, token_hash)
    return (found[1].id, found[1].email) if found else None


def _row(change: Change, actor: tuple[uuid.UUID, str] | None) -> AuditLogRow:
    resource = resource_of(change.path)
    return AuditLogRow(
        date=change.at,
        actor_id=actor[0] if actor else None,
        actor_email=actor[1] if actor else None,
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
