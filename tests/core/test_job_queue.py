"""The job queue on a real database: claims, leases, completion, retries, concurrency."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs import repository as repo
from modelyard.core.jobs import service as jobs
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome
from modelyard.core.jobs.worker import Worker, completion
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import JobRow
from modelyard.db.types import utcnow

LEASE = timedelta(seconds=30)


@pytest.fixture
def project(sessions: SessionFactory) -> ProjectRef:
    with transaction(sessions) as session:
        issued = identity.bootstrap(session, admin_email="admin@modelyard.local")
        assert issued is not None
        principal = identity.authenticate(session, issued.token)
        return identity.project_scope(session, principal, "default")


def enqueue(sessions: SessionFactory, project: ProjectRef, count: int) -> list[uuid.UUID]:
    with transaction(sessions) as session:
        created = jobs.enqueue(
            session,
            kind="test.echo",
            project_id=project.id,
            subject_id=None,
            payloads=[{"n": n} for n in range(count)],
        )
    return [job.id for job in created]


def claim(sessions: SessionFactory, owner: str, limit: int = 10) -> list[ClaimedJob]:
    with transaction(sessions) as session:
        return repo.claim(session, owner=owner, limit=limit, now=utcnow(), lease=LEASE)


def statuses(sessions: SessionFactory) -> Counter[str]:
    with transaction(sessions) as session:
        return Counter(session.scalars(select(JobRow.status)).all())


class TestClaims:
    def test_claim_takes_queued_jobs_oldest_first_and_counts_the_attempt(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        ids = enqueue(sessions, project, 5)
        claimed = claim(sessions, "w1", limit=3)
        assert len(claimed) == 3
        assert {job.id for job in claimed} <= set(ids)
        assert all(job.attempts == 1 for job in claimed)
        assert claim(sessions, "w2", limit=10)
        assert statuses(sessions) == Counter({"running": 5})

    def test_concurrent_claimers_never_share_a_job(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        enqueue(sessions, project, 200)
        taken: list[uuid.UUID] = []
        lock = threading.Lock()

        def claimer(owner: str) -> None:
            while True:
                got = claim(sessions, owner, limit=7)
                if not got:
                    return
                with lock:
                    taken.extend(job.id for job in got)

        threads = [threading.Thread(target=claimer, args=(f"w{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(taken) == 200
        assert len(set(taken)) == 200


class TestCompletion:
    def test_results_are_written_only_under_the_lease(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        enqueue(sessions, project, 1)
        (job,) = claim(sessions, "w1")
        with transaction(sessions) as session:
            stolen = completion(job, JobOutcome(True, result="intruder"))
            repo.complete(session, owner="w2", completions=[stolen], now=utcnow())
        assert statuses(sessions) == Counter({"running": 1})
        with transaction(sessions) as session:
            done = completion(job, JobOutcome(True, result={"ok": 1}))
            repo.complete(session, owner="w1", completions=[done], now=utcnow())
        with transaction(sessions) as session:
            row = session.get(JobRow, job.id)
            assert row is not None
            assert (row.status, row.result, row.lease_owner) == ("succeeded", {"ok": 1}, None)

    def test_retryable_failure_requeues_with_a_delay(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        enqueue(sessions, project, 1)
        (job,) = claim(sessions, "w1")
        with transaction(sessions) as session:
            failed = completion(job, JobOutcome(False, error="lost", retryable=True))
            repo.complete(session, owner="w1", completions=[failed], now=utcnow())
        assert statuses(sessions) == Counter({"queued": 1})
        assert claim(sessions, "w1") == []

    def test_final_failure_keeps_the_error(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        enqueue(sessions, project, 1)
        (job,) = claim(sessions, "w1")
        with transaction(sessions) as session:
            failed = completion(job, JobOutcome(False, error="ValueError: no"))
            repo.complete(session, owner="w1", completions=[failed], now=utcnow())
        with transaction(sessions) as session:
            row = session.get(JobRow, job.id)
            assert row is not None
            assert (row.status, row.error) == ("failed", "ValueError: no")


class TestWorker:
    def test_every_job_completes_exactly_once_despite_lost_attempts(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        ids = enqueue(sessions, project, 300)
        runs: Counter[uuid.UUID] = Counter()
        lock = threading.Lock()

        def handler(job: ClaimedJob) -> JobOutcome:
            with lock:
                runs[job.id] += 1
            if job.attempts == 1 and job.payload["n"] % 10 == 0:
                return JobOutcome(False, error="instance lost", retryable=True)
            return JobOutcome(True, result=job.payload["n"] * 2)

        worker = Worker(sessions, {"test.echo": handler}, concurrency=4, poll_seconds=0.05)
        worker.start()
        try:
            deadline = utcnow() + timedelta(seconds=60)
            while statuses(sessions)["succeeded"] < 300 and utcnow() < deadline:
                worker.wake()
                threading.Event().wait(0.1)
        finally:
            worker.stop()
        assert statuses(sessions) == Counter({"succeeded": 300})
        assert sum(1 for job_id in ids if runs[job_id] == 2) == 30
        with transaction(sessions) as session:
            rows = session.execute(select(JobRow.payload, JobRow.result)).all()
        assert all(result == payload["n"] * 2 for payload, result in rows)

    def test_an_idle_worker_finds_jobs_it_was_not_woken_for(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        """Work committed elsewhere (another process, on SQLite) comes to light by the poll,
        whose first look (``repo.ANY_DUE``) must see a job that is due and not one that is
        not yet due."""
        worker = Worker(
            sessions,
            {"test.echo": lambda job: JobOutcome(True, result=job.payload["n"])},
            poll_seconds=0.05,
        )
        worker.start()
        try:
            threading.Event().wait(0.2)  # a few empty rounds: the worker has found nothing
            (later,) = enqueue(sessions, project, 1)
            with transaction(sessions) as session:  # due in a second, then one due now
                row = session.get(JobRow, later)
                assert row is not None
                row.run_after = utcnow() + timedelta(seconds=1)
            enqueue(sessions, project, 1)
            deadline = utcnow() + timedelta(seconds=20)
            while statuses(sessions)["succeeded"] < 1 and utcnow() < deadline:
                threading.Event().wait(0.02)
            assert statuses(sessions) == Counter({"succeeded": 1, "queued": 1})
            while statuses(sessions)["succeeded"] < 2 and utcnow() < deadline:
                threading.Event().wait(0.05)
        finally:
            worker.stop()
        assert statuses(sessions) == Counter({"succeeded": 2})

    def test_expired_lease_of_a_vanished_worker_is_requeued_and_finished(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        enqueue(sessions, project, 3)
        with transaction(sessions) as session:
            repo.claim(session, owner="dead", limit=3, now=utcnow(), lease=timedelta(seconds=-1))
        worker = Worker(
            sessions,
            {"test.echo": lambda job: JobOutcome(True, result=job.attempts)},
            poll_seconds=0.05,
            lease_seconds=0.5,
        )
        worker.start()
        try:
            deadline = utcnow() + timedelta(seconds=20)
            while statuses(sessions)["succeeded"] < 3 and utcnow() < deadline:
                threading.Event().wait(0.1)
        finally:
            worker.stop()
        with transaction(sessions) as session:
            assert sorted(session.scalars(select(JobRow.result)).all()) == [2, 2, 2]

    def test_stopping_hands_unfinished_jobs_back(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        enqueue(sessions, project, 2)
        release = threading.Event()

        def slow(job: ClaimedJob) -> JobOutcome:
            release.wait(30)
            return JobOutcome(True)

        worker = Worker(sessions, {"test.echo": slow}, concurrency=2, poll_seconds=0.05)
        worker.start()
        deadline = utcnow() + timedelta(seconds=10)
        while statuses(sessions)["running"] < 2 and utcnow() < deadline:
            threading.Event().wait(0.05)
        worker.stop(grace=0.1)
        release.set()
        with transaction(sessions) as session:
            rows = session.execute(select(JobRow.status, JobRow.attempts)).all()
        assert sorted(tuple(row) for row in rows) == [("queued", 0), ("queued", 0)]


def wait_for_succeeded(sessions: SessionFactory, count: int, timeout: float = 30) -> None:
    deadline = utcnow() + timedelta(seconds=timeout)
    while statuses(sessions)["succeeded"] < count and utcnow() < deadline:
        threading.Event().wait(0.05)


class TestAsyncHandlers:
    """An ``async`` handler (a batch request) runs as a task on the loop the worker started on,
    crossing no thread; with no loop it still runs, on a pool thread."""

    def test_started_on_a_loop_its_jobs_run_as_tasks_on_that_loop(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        enqueue(sessions, project, 50)
        seen: list[tuple[int, asyncio.AbstractEventLoop]] = []

        async def handler(job: ClaimedJob) -> JobOutcome:
            seen.append((threading.get_ident(), asyncio.get_running_loop()))
            await asyncio.sleep(0.001)
            if job.payload["n"] == 7 and job.attempts == 1:
                raise RuntimeError("an instance vanished")  # retried, like a thread's raise
            return JobOutcome(True, result=job.payload["n"] + 1)

        async def serve() -> None:
            worker = Worker(sessions, {"test.echo": handler}, concurrency=8, poll_seconds=0.05)
            worker.start()
            try:
                await asyncio.to_thread(wait_for_succeeded, sessions, 50)
            finally:
                await asyncio.to_thread(worker.stop)

        loop, here = asyncio.new_event_loop(), threading.get_ident()
        try:
            loop.run_until_complete(serve())
        finally:
            loop.close()
        assert statuses(sessions) == Counter({"succeeded": 50})
        assert set(seen) == {(here, loop)}
        assert len(seen) == 51  # one retry of the job that raised
        with transaction(sessions) as session:
            rows = session.execute(select(JobRow.payload, JobRow.result)).all()
        assert all(result == payload["n"] + 1 for payload, result in rows)

    def test_without_a_loop_they_run_on_the_pool(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        enqueue(sessions, project, 20)
        threads: set[int] = set()

        async def handler(job: ClaimedJob) -> JobOutcome:
            threads.add(threading.get_ident())
            await asyncio.sleep(0)
            return JobOutcome(True, result=job.payload["n"])

        worker = Worker(sessions, {"test.echo": handler}, concurrency=4, poll_seconds=0.05)
        worker.start()
        try:
            wait_for_succeeded(sessions, 20)
        finally:
            worker.stop()
        assert statuses(sessions) == Counter({"succeeded": 20})
        assert threads
        assert threading.get_ident() not in threads

    def test_stopping_hands_unfinished_tasks_back(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        enqueue(sessions, project, 2)
        cancelled: list[uuid.UUID] = []

        async def stuck(job: ClaimedJob) -> JobOutcome:
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled.append(job.id)
                raise
            return JobOutcome(True)

        async def serve() -> None:
            worker = Worker(sessions, {"test.echo": stuck}, concurrency=2, poll_seconds=0.05)
            worker.start()
            deadline = utcnow() + timedelta(seconds=10)
            while statuses(sessions)["running"] < 2 and utcnow() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.to_thread(worker.stop, 0.1)
            await asyncio.sleep(0.05)  # the tasks' cancellation is delivered

        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(serve())
        finally:
            loop.close()
        with transaction(sessions) as session:
            rows = session.execute(select(JobRow.status, JobRow.attempts)).all()
        assert sorted(tuple(row) for row in rows) == [("queued", 0), ("queued", 0)]
        assert len(cancelled) == 2  # handed back, so no longer worked on here


class TestHeavyKinds:
    def test_no_more_heavy_jobs_run_at_once_than_their_limit_and_none_uses_an_attempt_waiting(
        self, sessions: SessionFactory, project: ProjectRef
    ) -> None:
        """Heavy jobs (work in the server process) queued before light ones: at most two run
        at once, the light ones fill the other slots meanwhile, each job runs once."""
        with transaction(sessions) as session:
            for kind, count in (("test.heavy", 6), ("test.light", 20)):
                jobs.enqueue(
                    session, kind=kind, project_id=project.id, subject_id=None,
                    payloads=[{"n": n} for n in range(count)],
                )  # fmt: skip
        lock = threading.Lock()
        running: Counter[str] = Counter()
        most: Counter[str] = Counter()
        attempts: list[int] = []

        def handler(job: ClaimedJob) -> JobOutcome:
            with lock:
                running[job.kind] += 1
                most[job.kind] = max(most[job.kind], running[job.kind])
                attempts.append(job.attempts)
            threading.Event().wait(0.2 if job.kind == "test.heavy" else 0.05)
            with lock:
                running[job.kind] -= 1
            return JobOutcome(True)

        worker = Worker(
            sessions,
            {"test.heavy": handler, "test.light": handler},
            concurrency=8,
            heavy={"test.heavy"},
            heavy_concurrency=2,
            poll_seconds=0.02,
        )
        worker.start()
        try:
            deadline = utcnow() + timedelta(seconds=60)
            while statuses(sessions)["succeeded"] < 26 and utcnow() < deadline:
                threading.Event().wait(0.05)
        finally:
            worker.stop()
        assert statuses(sessions) == Counter({"succeeded": 26})
        assert most["test.heavy"] == 2
        assert most["test.light"] > 2
        assert attempts == [1] * 26
