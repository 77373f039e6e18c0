"""What the cluster's services return."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class WorkerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    memory_mb: int
    started_at: datetime
    heartbeat_at: datetime


class PlacementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version_id: uuid.UUID
    worker_id: uuid.UUID
    memory_mb: int
    revision: int
    created_at: datetime
    ready_at: datetime | None
    used_at: datetime | None


class VersionRules(BaseModel):
    """The scaling rules of one version that can run (it has a build)."""

    version_id: uuid.UUID
    minimum_instances: int
    maximum_instances: int
    maximum_idle_time: int
    memory_mb: int


class PlanRead(BaseModel):
    """What one pass of the controller changed."""

    added: list[PlacementRead]
    removed: list[uuid.UUID]
    dead_workers: list[uuid.UUID]
