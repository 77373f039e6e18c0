"""Rows of tabular data (issue 8): datasets uploaded whole or in chunks, and the models that
train on them. The data itself lives in the artifact store as Parquet; rows keep its shape."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


class TabularModelRow(Base):
    __tablename__ = "tabular_models"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(256))
    training_method: Mapped[str] = mapped_column(String(32))
    tags: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    training_dataset_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    training_column_headers: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    estimator_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    training_start_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    training_completion_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TabularDatasetRow(Base):
    __tablename__ = "tabular_datasets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    model_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tabular_models.id", ondelete="SET NULL"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(String(256))
    tags: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    row_count: Mapped[int] = mapped_column(BigInteger)
    column_headers: Mapped[list[str]] = mapped_column(JSON)
    descriptor_columns: Mapped[list[int]] = mapped_column(JSON)
    complete_columns: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    extras: Mapped[dict[str, Any]] = mapped_column(JSON)
    storage_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TabularChunkRow(Base):
    __tablename__ = "tabular_chunks"
    __table_args__ = (UniqueConstraint("dataset_id", "chunk_number"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tabular_datasets.id", ondelete="CASCADE"), index=True
    )
    chunk_number: Mapped[int] = mapped_column(Integer)
    row_count: Mapped[int] = mapped_column(BigInteger)
    column_headers: Mapped[list[str]] = mapped_column(JSON)
    text_columns: Mapped[list[str]] = mapped_column(JSON)
    storage_key: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
