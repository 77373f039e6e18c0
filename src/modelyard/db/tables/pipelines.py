"""Rows of pipelines: the pipeline, the objects in it, and the attachments between them.

An object references a model version or a connector. Model objects point at the model and
the version by id, so they follow a rename; the foreign keys have no ``ON DELETE`` action,
so the database itself refuses to drop a model version a pipeline still uses (the serving
services refuse first, with a 409 that names the pipeline). They are checked at commit
(``DEFERRABLE INITIALLY DEFERRED``): deleting a project removes its models and its pipelines
by cascades in no fixed order, and only the end state must hold. Connector objects keep the
connector's name. An attachment without a source object starts at ``pipeline_start``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


class PipelineRow(Base):
    __tablename__ = "pipelines"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(200))
    input_type: Mapped[str] = mapped_column(String(16))
    input_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    creation_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PipelineObjectRow(Base):
    __tablename__ = "pipeline_objects"
    __table_args__ = (UniqueConstraint("pipeline_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pipelines.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    reference_type: Mapped[str] = mapped_column(String(16))
    reference_name: Mapped[str] = mapped_column(String(64))
    model_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("models.id", deferrable=True, initially="DEFERRED"), index=True
    )
    version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("model_versions.id", deferrable=True, initially="DEFERRED"), index=True
    )
    creation_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PipelineAttachmentRow(Base):
    """An edge of the pipeline's graph with its field mapping (source → destination names)."""

    __tablename__ = "pipeline_attachments"
    __table_args__ = (UniqueConstraint("pipeline_id", "source_id", "destination_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pipelines.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pipeline_objects.id", ondelete="CASCADE"), index=True
    )
    destination_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pipeline_objects.id", ondelete="CASCADE"), index=True
    )
    mapping: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    creation_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
