"""The scheduler: a thread that fires due schedules, once per tick across all servers.

Every server runs one. Each round reads the due schedules, then fires each in a transaction
of its own: the compare-and-set on ``next_run_at`` and the enqueued job commit together, so
of several schedulers that saw the same tick exactly one enqueues, and a claimed firing is
never lost. ``tick(now)`` is the whole round, callable with an explicit time for tests.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from modelyard.core.schedules import service as schedules
from modelyard.core.schedules.repository import ANY_DUE, DueSchedule
from modelyard.db.engine import SessionFactory, probe, transaction
from modelyard.db.types import utcnow

logger = logging.getLogger(__name__)


class Scheduler:
    """Fires due schedules every ``poll_seconds`` (the jobs they queue wake the workers)."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        poll_seconds: float = 1.0,
        batch_size: int = 100,
    ) -> None:
        self.sessions = sessions
        self.poll_seconds, self.batch_size = poll_seconds, batch_size
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="modelyard-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.tick()
            except Exception:
                logger.exception("the scheduler's round failed; retrying")

    def tick(self, now: datetime | None = None) -> int:
        """Fire what is due at ``now``; returns how many firings this scheduler won."""
        now = now or utcnow()
        if not probe(self.sessions, ANY_DUE, now=now):
            return 0
        with transaction(self.sessions) as session:
            due = schedules.due(session, now=now, limit=self.batch_size)
        fired = sum(self._fire(item, now) for item in due)
        return fired

    def _fire(self, item: DueSchedule, now: datetime) -> bool:
        """One firing in its own transaction, so a broken schedule cannot stall the others."""
        try:
            with transaction(self.sessions) as session:
                return schedules.fire(session, item, now=now) is not None
        except Exception:
            logger.exception("schedule %s could not fire", item.id)
            return False
