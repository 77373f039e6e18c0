"""Rows of the documents domain (the Leia dialect): applications, documents, document models,
their jobs and the callback outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


class ApplicationRow(Base):
    """Leia's fields of a service user: an application is a service user of its project."""

    __tablename__ = "applications"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    application_name: Mapped[str] = mapped_column(String(256))
    application_type: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str] = mapped_column(String(256))
    last_name: Mapped[str] = mapped_column(String(256))
    default_job_callback_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentRow(Base):
    """A file an application uploaded; its bytes live in the artifact store."""

    __tablename__ = "documents"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    filename: Mapped[str] = mapped_column(String(1024))
    extension: Mapped[str] = mapped_column(String(64))
    mime_type: Mapped[str] = mapped_column(String(256))
    size: Mapped[int] = mapped_column(Integer)
    md5sum: Mapped[str] = mapped_column(String(32))
    storage_key: Mapped[str] = mapped_column(String(512))
    tags: Mapped[list[str]] = mapped_column(JSON)
    original_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentModelRow(Base):
    """A model file (a zip with ``leia_model.json``) and what its manifest says."""

    __tablename__ = "document_models"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(256))
    short_name: Mapped[str | None] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(Text)
    ttl: Mapped[float] = mapped_column(Float)
    tags: Mapped[list[str]] = mapped_column(JSON)
    allowed_application_ids: Mapped[list[str]] = mapped_column(JSON)
    allow_all_applications: Mapped[bool] = mapped_column(Boolean, default=False)
    model_type: Mapped[str] = mapped_column(String(64))
    model_module: Mapped[str] = mapped_column(String(256))
    model_clazz: Mapped[str] = mapped_column(String(256))
    input_types: Mapped[list[str]] = mapped_column(JSON)
    output_format: Mapped[Any] = mapped_column(JSON, nullable=True)
    documentation: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    md5sum: Mapped[str] = mapped_column(String(32))
    storage_key: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentJobRow(Base):
    """Leia's view of an apply or train job; the queue row (``jobs``) carries claiming,
    leases and retries once the job is ready to run (``queue_job_id``)."""

    __tablename__ = "document_jobs"
    __table_args__ = (Index("ix_document_jobs_execute_after", "execute_after_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    job_type: Mapped[str] = mapped_column(String(32))
    model_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    document_ids: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    execute_after_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    callback_url: Mapped[str | None] = mapped_column(Text)
    callback_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    result_type: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    queue_job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CallbackRow(Base):
    """The outbox: a callback written with the end of its job, delivered with retries."""

    __tablename__ = "job_callbacks"
    __table_args__ = (Index("ix_job_callbacks_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    url: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload: Mapped[Any] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
