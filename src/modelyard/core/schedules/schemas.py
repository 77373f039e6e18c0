"""Schemas of scheduled requests: what the services take (``*Create``, ``*Update``) and give."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

DEFAULT_TIMEOUT = 300


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ScheduleCreate(Schema):
    name: str
    object_type: str
    object_name: str
    schedule: str
    version: str | None = None
    request_data: Any = None
    batch: bool = False
    timeout: int = DEFAULT_TIMEOUT
    enabled: bool = True


class ScheduleUpdate(Schema):
    """Only the fields set are changed (``None`` leaves a field as it is)."""

    name: str | None = None
    schedule: str | None = None
    request_data: Any = None
    batch: bool | None = None
    timeout: int | None = None
    enabled: bool | None = None


class ScheduleRead(Schema):
    id: uuid.UUID
    name: str
    object_type: str
    object_name: str
    version: str | None
    schedule: str
    request_data: Any
    batch: bool
    timeout: int
    enabled: bool
    creation_date: datetime
    next_run_at: datetime
