"""All SQL of the data domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from modelyard.db.tables.data import BlobRow


def get_live_blob(
    session: Session, project_id: uuid.UUID, blob_id: uuid.UUID, *, now: datetime
) -> BlobRow | None:
    """The blob, if it belongs to the project and has not expired."""
    query = select(BlobRow).where(
        BlobRow.id == blob_id, BlobRow.project_id == project_id, BlobRow.expires_at > now
    )
    return session.scalar(query)


def list_live_blobs(
    session: Session,
    project_id: uuid.UUID,
    *,
    now: datetime,
    count: int,
    anchor: datetime | None,
) -> list[BlobRow]:
    """Up to ``abs(count)`` unexpired blobs from ``anchor`` forward (count > 0) or backward
    (count < 0), oldest first; without an anchor: the oldest or the newest ones."""
    query = select(BlobRow).where(BlobRow.project_id == project_id, BlobRow.expires_at > now)
    if count > 0:
        if anchor is not None:
            query = query.where(BlobRow.creation_date >= anchor)
        query = query.order_by(BlobRow.creation_date, BlobRow.id)
    else:
        if anchor is not None:
            query = query.where(BlobRow.creation_date <= anchor)
        query = query.order_by(BlobRow.creation_date.desc(), BlobRow.id.desc())
    rows = list(session.scalars(query.limit(abs(count))))
    return rows if count > 0 else rows[::-1]


def expired_blobs(session: Session, *, now: datetime, limit: int) -> Sequence[BlobRow]:
    """Blobs of every project whose time to live has passed, the longest expired first."""
    query = (
        select(BlobRow)
        .where(BlobRow.expires_at <= now)
        .order_by(BlobRow.expires_at, BlobRow.id)
        .limit(limit)
    )
    return session.scalars(query).all()


def delete_blobs(session: Session, blob_ids: Sequence[uuid.UUID]) -> None:
    """Delete rows by id; rows already gone (another server purged them) are no error."""
    if blob_ids:
        session.execute(
            delete(BlobRow).where(BlobRow.id.in_(blob_ids)),
            execution_options={"synchronize_session": False},
        )
