"""Effects registered by services run only once the outermost transaction commits, and signals
reach this process at commit and, on PostgreSQL, every other process through NOTIFY."""

from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from modelyard.db import effects
from modelyard.db.engine import SessionFactory, make_engine, make_session_factory, transaction
from modelyard.db.lookups import Lookups
from modelyard.db.signals import Signals
from tests.support.databases import BACKENDS, Templates, fresh_database


class Heard:
    """What one process's listeners heard, in order."""

    def __init__(self, signals: Signals, *channels: str) -> None:
        self.items: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        for channel in channels:
            signals.subscribe(channel, lambda payload, c=channel: self.items.put((c, payload)))

    def within(self, seconds: float) -> list[tuple[str, str]]:
        found, deadline = [], time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                found.append(self.items.get(timeout=left))
            except queue.Empty:
                break
        return found


class Abort(Exception):
    pass


@contextmanager
def rolled_back(sessions: SessionFactory) -> Iterator[Session]:
    """A transaction whose block fails after the body, so it rolls back."""
    with suppress(Abort), transaction(sessions) as session:
        yield session
        raise Abort


@pytest.fixture
def signals(engine: Engine) -> Iterator[Signals]:
    started = Signals()
    yield started
    started.stop()


class TestAfterCommit:
    def test_actions_run_after_commit_and_never_after_rollback(self, engine: Engine) -> None:
        sessions = make_session_factory(engine)
        ran: list[str] = []
        with transaction(sessions) as session:
            effects.after_commit(session, lambda: ran.append("kept"))
            effects.after_rollback(session, lambda: ran.append("undone"))
            assert ran == []
        assert ran == ["kept"]
        with rolled_back(sessions) as session:
            effects.after_commit(session, lambda: ran.append("dropped"))
            effects.after_rollback(session, lambda: ran.append("undone"))
        assert ran == ["kept", "undone"]

    def test_a_savepoint_ending_does_not_run_the_outer_transactions_actions(
        self, engine: Engine
    ) -> None:
        sessions = make_session_factory(engine)
        ran: list[str] = []
        with transaction(sessions) as session:
            effects.after_commit(session, lambda: ran.append("outer"))
            with session.begin_nested():
                effects.after_commit(session, lambda: ran.append("inner"))
            assert ran == []
        assert ran == ["outer", "inner"]


class TestSignals:
    def test_heard_in_this_process_once_per_transaction_and_not_after_rollback(
        self, engine: Engine, signals: Signals
    ) -> None:
        heard = Heard(signals, "jobs", "builds")
        signals.start()
        sessions = make_session_factory(engine, signals)
        with transaction(sessions) as session:
            effects.signal(session, "jobs")
            effects.signal(session, "jobs")
            effects.signal(session, "builds", "v1")
            assert heard.within(0.2) == []  # nothing before the commit
        assert sorted(heard.within(1.0)) == [("builds", "v1"), ("jobs", "")]
        with rolled_back(sessions) as session:
            effects.signal(session, "jobs")
        assert heard.within(0.5) == []


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
class TestSignalsBetweenProcesses:
    """PostgreSQL only: SQLite has no channel between processes (they poll)."""

    def test_another_process_hears_it_through_the_database_on_commit_only(
        self, backend: str, templates: Templates, tmp_path: Path
    ) -> None:
        with fresh_database(templates, backend, tmp_path) as url:
            engine = make_engine(url)
            try:
                self.check(engine)
            finally:
                engine.dispose()

    def check(self, engine: Engine) -> None:
        signals = Signals()
        other = Signals()  # another server: its own origin, its own listening connection
        heard = Heard(other, "jobs")
        own = Heard(signals, "jobs")
        other.start(engine)
        signals.start(engine)
        try:
            time.sleep(0.5)  # both are listening
            sessions = make_session_factory(engine, signals)
            with rolled_back(sessions) as session:
                effects.signal(session, "jobs", "rolled back")
            with transaction(sessions) as session:
                effects.signal(session, "jobs", "committed")
            assert heard.within(2.0) == [("jobs", "committed")]
            assert own.within(0.5) == [("jobs", "committed")]  # once: its own NOTIFY is skipped
            many = ",".join(str(uuid.uuid4()) for _ in range(500))  # beyond NOTIFY's 8000 bytes
            with transaction(sessions) as session:
                effects.signal(session, "jobs", many)
            assert heard.within(2.0) == [("jobs", "")]  # "look for yourself"
            assert own.within(0.5) == [("jobs", many)]
        finally:
            other.stop()
            signals.stop()

    def test_a_lost_listening_connection_forgets_what_is_kept_at_once(
        self, backend: str, templates: Templates, tmp_path: Path
    ) -> None:
        """Cached lookups and kept reads rest on hearing of changes: once the ``LISTEN``
        connection is gone (the database is, or the network to it), they are forgotten."""
        with fresh_database(templates, backend, tmp_path) as url:
            engine = make_engine(url)
            signals, kept = Signals(), Lookups(ttl=60)
            signals.subscribe("lookups", kept.forget, at_once=True)
            signals.start(engine)
            try:
                time.sleep(0.5)  # listening
                kept.put("k", "v", kept.stamp())
                with engine.connect() as connection:
                    connection.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
                        )
                    )
                # before its first retry, a second later, would tell everyone to look anyway
                deadline = time.monotonic() + 0.8
                while kept.get("k") is not None and time.monotonic() < deadline:
                    time.sleep(0.02)
                assert kept.get("k") is None
            finally:
                signals.stop()
                engine.dispose()
