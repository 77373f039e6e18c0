"""The cluster of the celery executor: worker machines and the instances placed on them.

The controller (one API server at a time) writes ``placements``; each ``modelyard worker``
heartbeats its ``workers`` row and runs one instance process per placement of its own.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


class WorkerRow(Base):
    """One ``modelyard worker`` process on one machine, alive while it heartbeats."""

    __tablename__ = "workers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(255))
    memory_mb: Mapped[int] = mapped_column(Integer, default=0)
    """Memory the worker can give instances (its machine's available memory at the last beat)."""
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class PlacementRow(Base):
    """One instance of a version that a worker is to run."""

    __tablename__ = "placements"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), index=True
    )
    worker_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workers.id", ondelete="CASCADE"), index=True
    )
    memory_mb: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    """The version's package revision it was placed for; a new revision replaces it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When its instance took its first request off the queue, or was up and waiting."""
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When its instance last began a request (written at most every few seconds)."""
