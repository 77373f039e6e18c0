"""Rows of sample datasets (Lightly) and the datasource each one reads its files from.

A dataset's id is 24 lowercase hex digits, as Lightly's MongoDB object ids are. Every dataset
has exactly one datasource row, created with it as type ``LIGHTLY`` (no external store) and
replaced by a configuration; deleting the dataset removes it (the files stay where they are).
Secret fields (S3 secret key, GCS credentials, Azure account key) are stored sealed by
``modelyard.core.secrets.SecretBox`` in ``sealed``; the other fields are kept as given.
``n_samples`` and ``size_in_bytes`` are what the last background count of the store found
(``counted_at``); ``revision`` grows with each configuration, so a count of old settings is
never recorded for new ones.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.db.tables.base import Base
from modelyard.db.types import UTCDateTime, utcnow


class SampleDatasetRow(Base):
    __tablename__ = "sample_datasets"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32))
    img_type: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DatasourceRow(Base):
    __tablename__ = "datasources"

    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("sample_datasets.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(16))
    full_path: Mapped[str] = mapped_column(String(2048), default="")
    thumb_suffix: Mapped[str | None] = mapped_column(String(255))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sealed: Mapped[str | None] = mapped_column(Text)
    processed_until: Mapped[int] = mapped_column(BigInteger, default=0)
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    n_samples: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    size_in_bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    count_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
