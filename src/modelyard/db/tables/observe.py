"""Rows of the observe domain: log lines, metric buckets and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


def _big_id() -> Mapped[int]:
    return mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )


class LogRow(Base):
    __tablename__ = "logs"
    __table_args__ = (Index("ix_logs_project_id_date", "project_id", "date"),)

    id: Mapped[int] = _big_id()
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    log: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16), default="info")
    system: Mapped[bool] = mapped_column(Boolean, default=False)
    model_name: Mapped[str | None] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    connector_name: Mapped[str | None] = mapped_column(String(64))
    pipeline_name: Mapped[str | None] = mapped_column(String(64))
    pipeline_object_name: Mapped[str | None] = mapped_column(String(64))
    pipeline_request_id: Mapped[str | None] = mapped_column(String(64), index=True)


class MetricRow(Base):
    """One flushed aggregate: a metric of one object over one minute, from one server.

    Servers never update each other's rows; readers sum over rows of the same minute.
    """

    __tablename__ = "metrics"
    __table_args__ = (
        Index("ix_metrics_project_metric_bucket", "project_id", "metric", "bucket"),
        Index("ix_metrics_organization_metric_bucket", "organization_id", "metric", "bucket"),
    )

    id: Mapped[int] = _big_id()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL")
    )
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    object_name: Mapped[str | None] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(32))
    bucket: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float] = mapped_column(Float)


class AuditLogRow(Base):
    """Who changed what, when: one row per successful create, update or delete.

    Bodies are never kept, so no secret sent in one can end up here.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = _big_id()
    date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_email: Mapped[str | None] = mapped_column(String(254))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(1024))
    resource_type: Mapped[str | None] = mapped_column(String(64))
    resource_name: Mapped[str | None] = mapped_column(String(256))
    project_name: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[int] = mapped_column(Integer)
