"""One background batch writer for records produced on a hot path (audit entries, log lines,
metric values): accepting a record is an append to a bounded queue, never I/O.

One thread drains the queue in batches of at most ``max_batch`` records: it waits for a first
record, lets more gather for ``linger`` seconds (``0``: takes what is queued right then), turns
the batch into rows and inserts them in one transaction. Only the first record into an empty
queue wakes the thread: the ones after it are appended without waking anyone, so a busy hot
path pays no thread switch per record. When the database refuses the batch as a whole (an
``IntegrityError``: a project deleted meanwhile, say), its rows are inserted one by one so the
others are kept. A full queue refuses records (counted in ``dropped`` and logged by the writer
thread) rather than hold up the hot path.

``close`` refuses new records first, then writes every record accepted before it, then stops:
a clean stop loses nothing ``put`` accepted.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelyard.db.engine import SessionFactory, transaction

logger = logging.getLogger(__name__)
T = TypeVar("T")
POLL_SECONDS = 0.5
CAPACITY = 100_000
MAX_BATCH = 1_000
CLOSE_SECONDS = 30.0


class BatchWriter(Generic[T]):
    """Accepts records on any thread; ``to_rows(session, batch)`` makes the ORM rows of a batch
    on the writer thread, inside the transaction that inserts them."""

    def __init__(
        self,
        sessions: SessionFactory,
        to_rows: Callable[[Session, list[T]], Sequence[object]],
        *,
        name: str,
        what: str,
        linger: float = 0.0,
        capacity: int = CAPACITY,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.sessions, self.to_rows, self.what = sessions, to_rows, what
        self.linger, self.capacity, self.max_batch = linger, capacity, max_batch
        self.dropped = 0
        self._reported = 0
        self._items: deque[T] = deque()
        self._lock = threading.Lock()
        self._waiting = threading.Event()
        """Set while the queue holds records (or on ``close``): what the writer waits on."""
        self._closed = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, record: T) -> bool:
        """Accept ``record`` for a coming batch; False once closed or while the queue is full."""
        with self._lock:
            if self._closed:
                return False
            if len(self._items) >= self.capacity:
                self.dropped += 1
                return False
            self._items.append(record)
            if len(self._items) == 1:
                self._waiting.set()
        return True

    def close(self, timeout: float = CLOSE_SECONDS) -> None:
        """Refuse new records, write every accepted one, stop (waiting at most ``timeout``)."""
        with self._lock:
            self._closed = True
        self._stopping.set()
        if not self._thread.is_alive():
            self._write_rest()  # never started: the records are written here
            return
        self._waiting.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning("%s still being written after %.0f s", self.what, timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            batch = self._next_batch()
            if batch:
                self._write(batch)
        self._write_rest()

    def _next_batch(self) -> list[T]:
        """The first record within ``POLL_SECONDS``, with those arriving within ``linger``."""
        if not self._waiting.wait(POLL_SECONDS):
            return []
        if self.linger > 0 and len(self._items) < self.max_batch:  # else a full batch waits
            self._stopping.wait(self.linger)
        return self._take()

    def _take(self) -> list[T]:
        with self._lock:
            count = min(len(self._items), self.max_batch)
            batch = [self._items.popleft() for _ in range(count)]
            if not self._items and not self._stopping.is_set():
                self._waiting.clear()
        return batch

    def _write_rest(self) -> None:
        """Everything still queued, in batches: after ``close``, nothing more can be added."""
        while batch := self._take():
            self._write(batch)

    def _write(self, batch: list[T]) -> None:
        try:
            total, saved = self._save(batch)
        except Exception:
            logger.exception("could not save %d %s", len(batch), self.what)
        else:
            if saved < total:
                logger.info(
                    "dropped %d %s the database refused (of deleted projects, say)",
                    total - saved,
                    self.what,
                )
        if self.dropped > self._reported:
            logger.warning(
                "%d %s refused: the queue was full", self.dropped - self._reported, self.what
            )
            self._reported = self.dropped

    def _save(self, batch: list[T]) -> tuple[int, int]:
        """How many rows the batch made, and how many of them were inserted."""
        rows: Sequence[object] = ()
        try:
            with transaction(self.sessions) as session:
                rows = self.to_rows(session, batch)
                session.add_all(rows)
            return len(rows), len(rows)
        except IntegrityError:
            return len(rows), self._one_by_one(rows)

    def _one_by_one(self, rows: Sequence[object]) -> int:
        saved = 0
        for row in rows:
            try:
                with transaction(self.sessions) as session:
                    session.merge(row)
                saved += 1
            except IntegrityError:
                continue
        return saved
