"""What serving asks of the builder and of running instances once a transaction commits, in
this process and in every other server on the same database (``db/effects.signal``); the
listeners are wired in ``core/background.py``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.orm import Session

from modelyard.db import effects
from modelyard.db.tables import BuildRow, ModelVersionRow

BUILDS = "serving.builds"
"""A build was queued: the builder looks at once."""
RECONFIGURE = "serving.reconfigure"
"""A version's scaling changed (payload: its id): running instances follow."""
RETIRE = "serving.retire"
"""Versions were deleted (payload: their ids, comma-separated; empty: find out which)."""


def queue_build(session: Session, row: ModelVersionRow) -> None:
    """Build the version's current package (its status says so until the build ends)."""
    row.status = "building"
    row.error_message = None
    session.add(BuildRow(version_id=row.id, revision=row.revision, status="queued"))
    effects.signal(session, BUILDS)


def reconfigure(session: Session, version_id: uuid.UUID) -> None:
    effects.signal(session, RECONFIGURE, str(version_id))


def retire(session: Session, version_ids: Iterable[uuid.UUID]) -> None:
    ids = ",".join(sorted(str(version_id) for version_id in version_ids))
    if ids:
        effects.signal(session, RETIRE, ids)


def parse_ids(payload: str) -> list[uuid.UUID]:
    """The version ids of a ``RETIRE`` or ``RECONFIGURE`` payload."""
    return [uuid.UUID(part) for part in payload.split(",") if part]
