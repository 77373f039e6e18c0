"""Wire models of batch requests."""

from __future__ import annotations

from typing import Any

from modelyard.api.ubiops.protocol import Wire


class BatchRequestCreated(Wire):
    id: str
    status: str
    time_created: str


class BatchRequestListed(BatchRequestCreated):
    success: bool
    time_last_updated: str


class BatchRequestResult(BatchRequestListed):
    request_data: Any = None
    result: Any = None
    error_message: str | None = None
