"""The callback outbox: rows written with a job's end, delivered by a thread with retries and
backoff to a real HTTP listener on loopback."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from modelyard.core.identity.home import home_project
from modelyard.core.identity.schemas import TokenIssued
from modelyard.core.identity.service import authenticate
from modelyard.core.jobs import callbacks
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import CallbackRow
from tests.support.leia import eventually, listening


def _project_id(sessions: SessionFactory, token: str) -> uuid.UUID:
    with transaction(sessions) as session:
        return home_project(session, authenticate(session, token)).id


def _queue(sessions: SessionFactory, project_id: uuid.UUID, url: str) -> uuid.UUID:
    job_id = uuid.uuid4()
    with transaction(sessions) as session:
        callbacks.record(
            session,
            project_id=project_id,
            job_id=job_id,
            url=url,
            headers={"X-Key": "k"},
            payload={"id": str(job_id), "status": "PROCESSED"},
        )
    return job_id


class TestBackoff:
    def test_grows_and_is_capped(self) -> None:
        assert [callbacks.backoff(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
        assert callbacks.backoff(30) == 30.0


class TestOutbox:
    def test_a_refused_delivery_is_retried_later(
        self, sessions: SessionFactory, admin_token: TokenIssued
    ) -> None:
        project_id = _project_id(sessions, admin_token.token)
        with listening(refuse=1) as listener:
            _queue(sessions, project_id, f"http://127.0.0.1:{listener.port}/cb")
            with transaction(sessions) as session:
                due = callbacks.claim_due(session)
            assert len(due) == 1
            with transaction(sessions) as session:
                assert callbacks.claim_due(session) == []
            with httpx.Client() as client:
                error = callbacks.post(client, due[0])
            assert error == "the callback URL answered 503"
            with transaction(sessions) as session:
                callbacks.settle(session, due[0], error)
                row = session.scalars(select(CallbackRow)).one()
                assert (row.attempts, row.delivered_at) == (1, None)
                assert row.last_error == error

    def test_the_deliverer_retries_until_acknowledged(
        self, sessions: SessionFactory, admin_token: TokenIssued
    ) -> None:
        project_id = _project_id(sessions, admin_token.token)
        deliverer = callbacks.CallbackDeliverer(sessions, poll_seconds=0.1)
        with listening(refuse=2) as listener:
            job_id = _queue(sessions, project_id, f"http://127.0.0.1:{listener.port}/cb")
            deliverer.start()
            try:
                assert eventually(lambda: len(listener.received) == 1, timeout=30)
            finally:
                deliverer.stop()
        headers, payload = listener.received[0]
        assert headers["X-Key"] == "k"
        assert payload["id"] == str(job_id)
        with transaction(sessions) as session:
            row = session.scalars(select(CallbackRow)).one()
            assert row.attempts == 3
            assert row.delivered_at is not None
            assert callbacks.pending_count(session) == 0
