"""Instance and build output kept as log rows, written in batches off the request path."""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from modelyard.db.engine import SessionFactory, add_all_tolerantly
from modelyard.db.tables import LogRow
from modelyard.runtime import LogRecord

logger = logging.getLogger(__name__)
FLUSH_INTERVAL = 0.5
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
    """A sink for runtime log records: queued at once, written every half second."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self.tags: dict[str, LogTags] = {}
        self._requests: OrderedDict[str, RequestTags] = OrderedDict()
        self._queue: queue.SimpleQueue[Queued | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="modelyard-logs", daemon=True)

    def start(self) -> None:
        self._thread.start()

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
            self._queue.put((tags, record, extra))

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            batch, done = self._drain()
            if batch:
                self._write(batch)
            if done:
                return

    def _drain(self) -> tuple[list[Queued], bool]:
        batch: list[Queued] = []
        try:
            item = self._queue.get(timeout=FLUSH_INTERVAL)
        except queue.Empty:
            return batch, False
        while item is not None:
            batch.append(item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
        return batch, True

    def _write(self, batch: list[Queued]) -> None:
        rows = [
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
        try:
            saved = add_all_tolerantly(self.sessions, rows)
        except Exception:
            logger.exception("could not save %d log lines", len(rows))
            return
        if saved < len(rows):
            logger.info("dropped %d log lines of deleted projects", len(rows) - saved)
