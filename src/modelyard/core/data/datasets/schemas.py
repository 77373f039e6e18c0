"""Schemas of tabular datasets and their chunks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

UPLOADING, PROCESSING, UPLOADED = "uploading", "processing", "uploaded"


class DatasetCreate(BaseModel):
    """A new dataset; without ``data`` its rows come later in chunks."""

    name: str
    row_count: int
    column_headers: list[str]
    descriptor_columns: list[int]
    tags: list[str] = Field(default_factory=list)
    notes: str | None = None
    complete_columns: list[int] | None = None
    data: str | None = None
    extras: dict[str, Any] = Field(default_factory=dict)
    """Metadata kept as given and handed back (categorical columns, measurement groups, …)."""


class DatasetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    model_id: uuid.UUID | None
    name: str
    tags: list[str]
    notes: str | None
    status: str
    detail: str | None
    row_count: int
    column_headers: list[str]
    descriptor_columns: list[int]
    complete_columns: list[int] | None
    extras: dict[str, Any]
    storage_key: str | None
    created_at: datetime


class ChunkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    chunk_number: int
    row_count: int
    column_headers: list[str]
    created_at: datetime

    @property
    def column_count(self) -> int:
        return len(self.column_headers)
