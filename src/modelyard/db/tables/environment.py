"""Rows of environment variables, defined on a project, a model or one model version.

``scope_id`` is the id of the object a variable belongs to (the version, else the model, else the
project): the unique constraint on it and ``name`` makes names unique per scope on every backend,
which a constraint over nullable ``model_id``/``version_id`` would not (NULLs never collide).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


class EnvironmentVariableRow(Base):
    """One variable; ``value`` holds the sealed form (``SecretBox.seal``) when ``secret``."""

    __tablename__ = "environment_variables"
    __table_args__ = (
        UniqueConstraint("scope_id", "name"),
        CheckConstraint("version_id IS NULL OR model_id IS NOT NULL", name="version_has_model"),
        CheckConstraint("scope_id = COALESCE(version_id, model_id, project_id)", name="scope"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    model_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), index=True
    )
    scope_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    creation_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
