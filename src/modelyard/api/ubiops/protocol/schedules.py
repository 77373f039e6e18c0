"""Wire models of scheduled requests (``ScheduleCreate``, ``ScheduleUpdate``, ``ScheduleList``)."""

from __future__ import annotations

from typing import Any

from modelyard.api.ubiops.protocol import Wire


class ScheduleCreate(Wire):
    name: str
    object_type: str
    object_name: str
    schedule: str
    version: str | None = None
    request_data: Any = None
    batch: bool | None = None
    timeout: int | None = None
    enabled: bool | None = None


class ScheduleUpdate(Wire):
    name: str | None = None
    schedule: str | None = None
    request_data: Any = None
    batch: bool | None = None
    timeout: int | None = None
    enabled: bool | None = None


class ScheduleList(Wire):
    id: str
    name: str
    object_type: str
    object_name: str
    version: str | None
    schedule: str
    request_data: Any
    batch: bool
    timeout: int
    enabled: bool
    creation_date: str
