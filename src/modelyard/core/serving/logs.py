"""Instance and build output kept as log rows, written in batches off the request path."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from modelyard.core.batch_writer import BatchWriter
from modelyard.db.engine import SessionFactory
from modelyard.db.tables import LogRow
from modelyard.runtime import LogRecord

MAX_LINE = 10_000
MAX_TAGGED_REQUESTS = 10_000


@dataclass(frozen=True)
class LogTags:
    """What a deployment's log lines are about."""

    project_id: uuid.UUID
    model_name: str
    model_version: str


RequestTags = dict[str, str]
Queued = tuple[LogTags, LogRecord, RequestTags | None]


class LogWriter:
    """A sink for runtime log records: queued at once, written by a batch writer as they come."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self.tags: dict[str, LogTags] = {}
        self._requests: OrderedDict[str, RequestTags] = OrderedDict()
        self._writer = BatchWriter(sessions, _rows, name="modelyard-logs", what="log lines")

    def start(self) -> None:
        self._writer.start()

    def tag(self, key: str, tags: LogTags) -> None:
        """Attribute records of deployment ``key`` to a project, model and version."""
        self.tags[key] = tags

    def tag_request(self, request_id: str, tags: RequestTags) -> None:
        """Attribute the lines of one request to a pipeline (``pipeline_name``, …); the newest
        ``MAX_TAGGED_REQUESTS`` are remembered, so late output lines keep their tags."""
        self._requests[request_id] = tags
        while len(self._requests) > MAX_TAGGED_REQUESTS:
            self._requests.popitem(last=False)

    def __call__(self, record: LogRecord) -> None:
        tags = self.tags.get(record.key)
        if tags is not None:
            extra = self._requests.get(record.request_id) if record.request_id else None
            self._writer.put((tags, record, extra))

    def close(self) -> None:
        """Write every line received so far and stop."""
        self._writer.close()


def _rows(_: Session, batch: list[Queued]) -> list[LogRow]:
    return [
        LogRow(
            project_id=tags.project_id,
            date=datetime.fromtimestamp(record.time, UTC),
            log=record.line[:MAX_LINE] or " ",
            level="error" if record.stream == "stderr" else "info",
            system=record.stream == "system",
            model_name=tags.model_name,
            model_version=tags.model_version,
            request_id=record.request_id,
            **(extra or {}),
        )
        for tags, record, extra in batch
    ]
