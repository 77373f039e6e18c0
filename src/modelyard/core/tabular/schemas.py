"""Schemas of tabular models."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

NEW, TRAINING, TRAINED, FAILED, STALE = "new", "training", "trained", "failed", "stale"
TRAINING_METHODS = ("alchemite",)


class TabularModelCreate(BaseModel):
    name: str
    training_method: str = "alchemite"
    tags: list[str] = Field(default_factory=list)
    notes: str | None = None


class TabularModelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    training_method: str
    tags: list[str]
    notes: str | None
    status: str
    detail: str | None
    training_dataset_id: uuid.UUID | None
    training_column_headers: list[str] | None
    training_start_time: datetime | None
    training_completion_time: datetime | None
    created_at: datetime


class RowsInput(BaseModel):
    """Rows to predict or impute: a CSV in ``data`` or a stored dataset's id."""

    data: str | None = None
    dataset_id: uuid.UUID | None = None
    return_row_headers: bool = True
    return_column_headers: bool = True
