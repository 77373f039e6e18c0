"""Schemas of the jobs domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    project_id: uuid.UUID
    subject_id: uuid.UUID | None
    status: str
    payload: dict[str, Any]
    result: Any
    error: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class ClaimedJob:
    """A job a worker holds the lease of."""

    id: uuid.UUID
    kind: str
    project_id: uuid.UUID
    subject_id: uuid.UUID | None
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


@dataclass(frozen=True)
class JobOutcome:
    """What running a job gave. ``retryable`` failures (a dead instance) are tried again."""

    success: bool
    result: Any = None
    error: str | None = None
    retryable: bool = False
