"""The background batch writer behind audit entries, log lines and metric values, on a real
database: what ``put`` accepted is written by ``close``, in batches, one transaction each."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.core.batch_writer import BatchWriter
from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import TokenIssued
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import LogRow

Line = tuple[uuid.UUID, str]


@pytest.fixture
def project_id(sessions: SessionFactory, admin_token: TokenIssued) -> uuid.UUID:
    with transaction(sessions) as session:
        principal = identity.authenticate(session, admin_token.token)
        return identity.project_scope(session, principal, "default").id


class Batches:
    """``to_rows`` that remembers the size of every batch it was given."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def __call__(self, _: Session, batch: list[Line]) -> list[LogRow]:
        self.sizes.append(len(batch))
        return [LogRow(project_id=project, log=text) for project, text in batch]


def stored(sessions: SessionFactory) -> list[str]:
    with transaction(sessions) as session:
        return list(session.scalars(select(LogRow.log).order_by(LogRow.id)))


class TestEveryAcceptedRecordIsWrittenByClose:
    def test_records_put_from_several_threads_are_all_written_in_bounded_batches(
        self, sessions: SessionFactory, project_id: uuid.UUID
    ) -> None:
        batches = Batches()
        writer = BatchWriter(
            sessions, batches, name="test-writer", what="lines", linger=0.05, max_batch=50
        )
        writer.start()

        def produce(thread: int) -> None:
            for n in range(300):
                assert writer.put((project_id, f"{thread}-{n}"))

        producers = [threading.Thread(target=produce, args=(t,)) for t in range(4)]
        for producer in producers:
            producer.start()
        for producer in producers:
            producer.join()
        writer.close()
        expected = {f"{t}-{n}" for t in range(4) for n in range(300)}
        written = stored(sessions)
        assert len(written) == len(expected)
        assert set(written) == expected
        assert sum(batches.sizes) == 1200
        assert len(batches.sizes) >= 1200 // 50
        assert max(batches.sizes) <= 50

    def test_close_writes_at_once_what_is_still_lingering(
        self, sessions: SessionFactory, project_id: uuid.UUID
    ) -> None:
        batches = Batches()
        writer = BatchWriter(sessions, batches, name="test-writer", what="lines", linger=60)
        writer.start()
        for n in range(10):
            writer.put((project_id, str(n)))
        closing = threading.Thread(target=writer.close)
        closing.start()
        closing.join(timeout=5)
        assert not closing.is_alive()
        assert stored(sessions) == [str(n) for n in range(10)]
        assert batches.sizes == [10]

    def test_full_batches_are_written_without_lingering(
        self, sessions: SessionFactory, project_id: uuid.UUID
    ) -> None:
        """A backlog of full batches goes out back to back: lingering per batch would let the
        queue outgrow what the writer takes away."""
        batches = Batches()
        writer = BatchWriter(
            sessions, batches, name="test-writer", what="lines", linger=60, max_batch=10
        )
        for n in range(35):
            writer.put((project_id, str(n)))
        writer.start()
        deadline = time.monotonic() + 20
        while sum(batches.sizes) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert batches.sizes[:3] == [10, 10, 10]  # the last 5 linger, as a partial batch does
        writer.close()
        assert batches.sizes == [10, 10, 10, 5]

    def test_records_of_a_writer_never_started_are_written_by_close(
        self, sessions: SessionFactory, project_id: uuid.UUID
    ) -> None:
        writer = BatchWriter(sessions, Batches(), name="test-writer", what="lines", max_batch=3)
        for n in range(7):
            writer.put((project_id, str(n)))
        writer.close()
        assert stored(sessions) == [str(n) for n in range(7)]


class TestRecordsNotAcceptedAreRefused:
    def test_after_close_put_refuses_and_nothing_more_is_written(
        self, sessions: SessionFactory, project_id: uuid.UUID
    ) -> None:
        writer = BatchWriter(sessions, Batches(), name="test-writer", what="lines")
        writer.start()
        assert writer.put((project_id, "before"))
        writer.close()
        assert not writer.put((project_id, "after"))
        assert stored(sessions) == ["before"]

    def test_a_full_queue_refuses_and_counts_instead_of_blocking(
        self, sessions: SessionFactory, project_id: uuid.UUID
    ) -> None:
        writer = BatchWriter(sessions, Batches(), name="test-writer", what="lines", capacity=5)
        accepted = [writer.put((project_id, str(n))) for n in range(8)]
        assert accepted == [True] * 5 + [False] * 3
        assert writer.dropped == 3
        writer.close()
        assert stored(sessions) == [str(n) for n in range(5)]


class TestARefusedRowDoesNotTakeItsBatchDown:
    def test_lines_of_a_missing_project_are_dropped_and_the_rest_kept(
        self, sessions: SessionFactory, project_id: uuid.UUID
    ) -> None:
        batches = Batches()
        writer = BatchWriter(sessions, batches, name="test-writer", what="lines", linger=60)
        writer.start()
        writer.put((project_id, "kept"))
        writer.put((uuid.uuid4(), "orphan"))
        writer.put((project_id, "kept too"))
        writer.close()
        assert batches.sizes == [3]
        assert stored(sessions) == ["kept", "kept too"]
