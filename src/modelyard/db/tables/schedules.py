"""Scheduled requests: a cron expression that makes requests to a model version.

The target is referenced by id, so a schedule follows its model through a rename and goes
away with it (``ON DELETE CASCADE``). ``object_type`` says which kind of target the row
points at: a model version (``model_id``, ``version_id``) or a pipeline (``pipeline_id``).
``next_run_at`` is the tick the schedule waits for: firing moves it with a compare-and-set,
which is what makes a tick fire once however many servers share the database.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


class ScheduleRow(Base):
    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        Index("ix_schedules_due", "enabled", "next_run_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(16))
    model_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), index=True
    )
    pipeline_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pipelines.id", ondelete="CASCADE"), index=True
    )
    schedule: Mapped[str] = mapped_column(String(128))
    request_data: Mapped[Any] = mapped_column(JSON, nullable=True)
    batch: Mapped[bool] = mapped_column(Boolean, default=False)
    timeout: Mapped[int] = mapped_column(Integer, default=300)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    creation_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
