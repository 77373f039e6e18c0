"""Rows of credentials and connectors: where a project's data goes outside modelyard.

Protected configuration values (passwords, secret keys) are stored sealed by
``modelyard.core.secrets.SecretBox``; the other values are stored as given. ``revision`` counts
changes that need a new verification, so a verification of an older revision never overwrites
the status of a newer one. A connector's credentials cannot go while the connector uses them:
the foreign key has no ``ON DELETE`` action (checked at the end of the statement, so deleting a
whole project still cascades through both tables).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


class CredentialsRow(Base):
    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    configuration: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(32), default="pending_verification")
    error_message: Mapped[str | None] = mapped_column(String(500))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    creation_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConnectorRow(Base):
    __tablename__ = "connectors"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    input_type: Mapped[str] = mapped_column(String(16))
    input_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    credentials_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credentials.id"), index=True)
    configuration: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(32), default="pending_verification")
    error_message: Mapped[str | None] = mapped_column(String(500))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    reference_count: Mapped[int] = mapped_column(Integer, default=0)
    creation_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
