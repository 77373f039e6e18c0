"""Rows of the tracking domain: registered models, their experiments, runs, datasets and records.

Names are unique per project (the registry acts in the caller's home project). Records keep
foreign keys, not copies of names, so a renamed model or experiment shows its new name in every
stream. Uniqueness over nullable parts (a record without a season, a model without a URL) is
kept with a digest column (``natural_key``, ``info_key``): NULLs never collide in a unique index.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


class TrackedModelRow(Base):
    __tablename__ = "tracking_models"
    __table_args__ = (
        UniqueConstraint("project_id", "model_name", "model_url", name="uq_tracking_models_name"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    model_name: Mapped[str] = mapped_column(String(255))
    model_url: Mapped[str] = mapped_column(String(1024), default="")
    model_info: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ExperimentRow(Base):
    __tablename__ = "tracking_experiments"
    __table_args__ = (
        UniqueConstraint("project_id", "experiment_name", name="uq_tracking_experiments_name"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    experiment_name: Mapped[str] = mapped_column(String(255))
    experiment_info: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    experiment_start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    experiment_end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SeasonRow(Base):
    __tablename__ = "tracking_seasons"
    __table_args__ = (
        UniqueConstraint("project_id", "season_name", name="uq_tracking_seasons_name"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    season_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteRow(Base):
    __tablename__ = "tracking_sites"
    __table_args__ = (UniqueConstraint("project_id", "site_name", name="uq_tracking_sites_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    site_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrackedDatasetRow(Base):
    __tablename__ = "tracking_datasets"
    __table_args__ = (
        UniqueConstraint("project_id", "dataset_name", name="uq_tracking_datasets_name"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    dataset_name: Mapped[str] = mapped_column(String(255))
    dataset_info: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    collection_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModelExperimentRow(Base):
    __tablename__ = "tracking_model_experiments"

    model_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracking_models.id", ondelete="CASCADE"), primary_key=True
    )
    experiment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(
            "tracking_experiments.id",
            name="fk_tracking_model_experiments_experiment_id",
            ondelete="CASCADE",
        ),
        primary_key=True,
    )


class ModelDatasetRow(Base):
    __tablename__ = "tracking_model_datasets"

    model_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracking_models.id", ondelete="CASCADE"), primary_key=True
    )
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracking_datasets.id", ondelete="CASCADE"), primary_key=True
    )


class RunRow(Base):
    __tablename__ = "tracking_runs"
    __table_args__ = (UniqueConstraint("model_id", "info_key", name="uq_tracking_runs_info"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    model_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracking_models.id", ondelete="CASCADE"), index=True
    )
    model_run_info: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    info_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordRow(Base):
    __tablename__ = "tracking_records"
    __table_args__ = (
        UniqueConstraint("model_id", "natural_key", name="uq_tracking_records_natural_key"),
        Index("ix_tracking_records_model_time", "model_id", "timestamp", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    model_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracking_models.id", ondelete="CASCADE")
    )
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracking_datasets.id", ondelete="CASCADE"), index=True
    )
    experiment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tracking_experiments.id", ondelete="CASCADE"), nullable=True, index=True
    )
    season_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tracking_seasons.id", ondelete="CASCADE"), nullable=True, index=True
    )
    site_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tracking_sites.id", ondelete="CASCADE"), nullable=True, index=True
    )
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    collection_date: Mapped[date] = mapped_column(Date)
    model_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    record_info: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    record_file: Mapped[str | None] = mapped_column(String(512), nullable=True)
    file_name: Mapped[str | None] = mapped_column(String(256), nullable=True)
    file_type: Mapped[str | None] = mapped_column(String(128), nullable=True)
    natural_key: Mapped[str] = mapped_column(String(64))
