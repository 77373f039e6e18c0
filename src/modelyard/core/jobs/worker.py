"""The queue worker: claims jobs under a lease, runs them, writes results back.

One dispatcher thread does all the database work in batches (claim, complete, renew leases,
re-queue expired ones); handlers only run jobs. A plain handler runs on a thread of the pool; an
``async`` one (a batch request, which mostly waits on an instance) runs as a task on the event
loop the worker was started on, so it crosses no thread at all while it waits.

A job whose worker dies is re-queued when its lease expires, so a killed server loses nothing:
its jobs run again elsewhere or after restart. Results are written only under the lease that
ran them, so each job completes once.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import queue
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import cast

from modelyard.core.jobs import repository as repo
from modelyard.core.jobs import states
from modelyard.core.jobs.repository import Completion
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome
from modelyard.db.engine import SessionFactory, probe, transaction
from modelyard.db.types import utcnow

logger = logging.getLogger(__name__)
Handler = Callable[[ClaimedJob], JobOutcome] | Callable[[ClaimedJob], Awaitable[JobOutcome]]
LINGER_SECONDS = 0.004
"""After a busy round, while most running jobs are still at work, wait this long for more to
finish: each round is a transaction or two on the database's one write path, and recording
one finished job per round made that path the queue's limit (issue 19)."""


class Worker:
    """Runs queued jobs with the handler registered for their kind."""

    def __init__(
        self,
        sessions: SessionFactory,
        handlers: Mapping[str, Handler],
        *,
        concurrency: int = 8,
        heavy: Collection[str] = (),
        heavy_concurrency: int = 2,
        lease_seconds: float = 30.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self.sessions, self.handlers = sessions, dict(handlers)
        self.owner = f"{socket.gethostname()}:{uuid.uuid4().hex[:12]}"
        self.concurrency = concurrency
        self.heavy, self.heavy_concurrency = frozenset(heavy), heavy_concurrency
        """Kinds that work in this process (CPU, memory) rather than wait on an instance, and
        how many of them may run at once among the ``concurrency``."""
        self._heavy_running: set[uuid.UUID] = set()
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self._done: queue.SimpleQueue[Completion] = queue.SimpleQueue()
        self._running: set[uuid.UUID] = set()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max(concurrency, 1), thread_name_prefix="modelyard-job")
        self._thread = threading.Thread(target=self._loop, name="modelyard-jobs", daemon=True)
        self._tasks_loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_renewal = self._last_sweep = 0.0
        self._grace = 5.0
        self._found_none = False
        """Whether the last claim found nothing: the next one looks first (``repo.ANY_DUE``)."""

    def start(self) -> None:
        """Start claiming; called on a running event loop (a server's), ``async`` handlers run
        there, else on the pool's threads each with a loop of its own."""
        try:
            self._tasks_loop = asyncio.get_running_loop()
        except RuntimeError:
            self._tasks_loop = None
        self._thread.start()

    def wake(self) -> None:
        """New work was committed: look for it now rather than at the next poll."""
        self._wake.set()

    def stop(self, grace: float = 5.0) -> None:
        """Stop claiming, give running jobs ``grace`` seconds, hand the rest back to the queue."""
        self._grace = grace
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=grace + 5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self._step()
            except Exception:
                logger.exception("the job worker's database step failed; retrying")
                busy = False
            if not busy:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
            elif self._done.qsize() < len(self._running) // 2:
                self._stop.wait(LINGER_SECONDS)
        self._drain_after_stop()

    def _step(self) -> bool:
        """One round of database work; returns whether anything happened."""
        finished = self._flush()
        claimed = self._claim()
        now = time.monotonic()
        if now - self._last_renewal > self.lease.total_seconds() / 3:
            self._renew()
            self._last_renewal = now
        if now - self._last_sweep > max(1.0, self.lease.total_seconds() / 2):
            self._sweep()
            self._last_sweep = now
        return bool(finished or claimed)

    def _claim(self) -> int:
        """Fill the free slots. Heavy kinds beyond their own limit are handed straight back
        (rare: they are few); with no room for them at all they are not claimed."""
        free = self.concurrency - len(self._running)
        if free <= 0:
            return 0
        room = self.heavy_concurrency - len(self._heavy_running)
        now = utcnow()
        if self._found_none and not probe(self.sessions, repo.ANY_DUE, now=now):
            return 0
        with transaction(self.sessions) as session:
            jobs = repo.claim(
                session, owner=self.owner, limit=free, now=now, lease=self.lease,
                not_kinds=self.heavy if room <= 0 else (),
            )  # fmt: skip
            heavy = [job.id for job in jobs if job.kind in self.heavy]
            later = set(heavy[max(room, 0) :])
            if later:
                repo.release(session, owner=self.owner, now=now, job_ids=later)
        self._found_none = not jobs
        on_loop = []
        for job in jobs:
            if job.id in later:
                continue
            self._running.add(job.id)
            if job.kind in self.heavy:
                self._heavy_running.add(job.id)
            if self._tasks_loop is not None and _is_async(self.handlers.get(job.kind)):
                on_loop.append(job)
            else:
                self._pool.submit(self._run, job)
        if on_loop:
            self._begin_tasks(on_loop)
        return len(jobs) - len(later)

    def _begin_tasks(self, jobs: list[ClaimedJob]) -> None:
        """Start ``jobs`` as tasks on the loop, with one wake-up of it for the whole round; if
        that loop has stopped (the server is going down), on threads instead."""
        assert self._tasks_loop is not None
        try:
            self._tasks_loop.call_soon_threadsafe(self._create_tasks, jobs)
        except RuntimeError:  # the loop is closed
            for job in jobs:
                self._pool.submit(self._run, job)

    def _create_tasks(self, jobs: list[ClaimedJob]) -> None:
        assert self._tasks_loop is not None
        for job in jobs:
            task = self._tasks_loop.create_task(self._run_async(job))
            self._tasks.add(task)  # the loop keeps only weak references to its tasks
            task.add_done_callback(self._tasks.discard)

    def _run(self, job: ClaimedJob) -> None:
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                outcome = JobOutcome(False, error=f"no handler for jobs of kind '{job.kind}'")
            elif _is_async(handler):
                outcome = asyncio.run(_awaitable(handler(job)))
            else:
                outcome = cast(JobOutcome, handler(job))
        except Exception as exc:
            outcome = _raised(job, exc)
        self._finished(job, outcome)

    async def _run_async(self, job: ClaimedJob) -> None:
        try:
            outcome = await _awaitable(self.handlers[job.kind](job))
        except Exception as exc:
            outcome = _raised(job, exc)
        self._finished(job, outcome)

    def _finished(self, job: ClaimedJob, outcome: JobOutcome) -> None:
        self._done.put(completion(job, outcome))
        self._wake.set()

    def _flush(self) -> int:
        completions: list[Completion] = []
        while True:
            try:
                completions.append(self._done.get_nowait())
            except queue.Empty:
                break
        if completions:
            with transaction(self.sessions) as session:
                repo.complete(session, owner=self.owner, completions=completions, now=utcnow())
            self._running.difference_update(c.job_id for c in completions)
            self._heavy_running.difference_update(c.job_id for c in completions)
        return len(completions)

    def _renew(self) -> None:
        if self._running:
            with transaction(self.sessions) as session:
                until = utcnow() + self.lease
                repo.extend_leases(session, owner=self.owner, job_ids=self._running, until=until)

    def _sweep(self) -> None:
        """Re-queue jobs whose worker (any worker) stopped renewing its lease."""
        now = utcnow()
        with transaction(self.sessions) as session:
            for job_id, attempts, max_attempts in repo.expired_leases(session, now=now):
                status = states.after_lease_expired(attempts=attempts, max_attempts=max_attempts)
                error = None if status == "queued" else f"gave up after {attempts} attempts"
                repo.reset_expired(session, job_id, status=status, error=error, now=now)

    def _drain_after_stop(self) -> None:
        deadline = time.monotonic() + self._grace
        while self._running and time.monotonic() < deadline:
            self._flush()
            time.sleep(0.05)
        self._flush()
        with transaction(self.sessions) as session:
            repo.release(session, owner=self.owner, now=utcnow())
        if self._tasks and self._tasks_loop is not None:  # handed back: they run again later
            with contextlib.suppress(RuntimeError):  # the loop is closed: they are gone
                self._tasks_loop.call_soon_threadsafe(self._cancel_tasks)

    def _cancel_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()


def _is_async(handler: Handler | None) -> bool:
    return handler is not None and inspect.iscoroutinefunction(handler)


async def _awaitable(result: JobOutcome | Awaitable[JobOutcome]) -> JobOutcome:
    return await cast(Awaitable[JobOutcome], result)


def _raised(job: ClaimedJob, exc: Exception) -> JobOutcome:
    logger.exception("job %s (%s) raised", job.id, job.kind, exc_info=exc)
    return JobOutcome(False, error=f"internal error: {exc!r}", retryable=True)


def completion(job: ClaimedJob, outcome: JobOutcome) -> Completion:
    """Where an attempt leaves its job: succeeded, failed, or queued again after a delay."""
    now = utcnow()
    if outcome.success:
        return Completion(job.id, "succeeded", outcome.result, None, now)
    status = states.after_failure(
        attempts=job.attempts, max_attempts=job.max_attempts, retryable=outcome.retryable
    )
    delay = (
        timedelta(seconds=states.retry_delay(job.attempts)) if status == "queued" else timedelta()
    )
    return Completion(job.id, status, None, outcome.error, now + delay)
