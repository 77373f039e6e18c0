"""The callback outbox: a callback is a row written in the same transaction that ends its job,
and a background thread delivers it with retries and exponential backoff.

Because the row is committed with the job's end, a server killed at any moment either has not
ended the job (it runs again after restart) or has the callback in its outbox (delivered after
restart). A delivery attempt first pushes the row's ``next_attempt_at`` past the attempt (a
lease), so two servers sharing a database do not both post it while it is in flight.
A callback is acknowledged by a 200 or 204 answer (as Leia documents); anything else is retried.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Table, bindparam, literal, select, update
from sqlalchemy.orm import Session

from modelyard.db.engine import SessionFactory, probe, transaction
from modelyard.db.tables import CallbackRow
from modelyard.db.types import utcnow

logger = logging.getLogger(__name__)
ACCEPTED = frozenset({200, 204})
MAX_ATTEMPTS = 20
IN_FLIGHT = timedelta(seconds=60)
BATCH = 20


def backoff(attempts: int, *, base: float = 0.5, cap: float = 30.0) -> float:
    """Seconds before attempt ``attempts + 1``: 0.5, 1, 2, 4 … capped at ``cap``."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))


def record(
    session: Session,
    *,
    project_id: uuid.UUID,
    job_id: uuid.UUID,
    url: str,
    headers: Mapping[str, Any] | None,
    payload: Any,
) -> None:
    """Queue a callback inside the caller's transaction (the one that ends the job)."""
    session.add(
        CallbackRow(
            project_id=project_id,
            job_id=job_id,
            url=url,
            headers={str(k): str(v) for k, v in (headers or {}).items()},
            payload=payload,
            attempts=0,
            next_attempt_at=utcnow(),
        )
    )
    session.flush()


@dataclass(frozen=True)
class Due:
    id: uuid.UUID
    url: str
    headers: dict[str, str]
    payload: Any
    attempts: int


CALLBACKS: Table = CallbackRow.__table__  # type: ignore[assignment]
ANY_DUE = (
    select(literal(1))
    .where(
        CALLBACKS.c.delivered_at.is_(None),
        CALLBACKS.c.next_attempt_at <= bindparam("now"),
        CALLBACKS.c.attempts < MAX_ATTEMPTS,
    )
    .limit(1)
)
"""Whether any callback is due at ``now``: the deliverer's first look each round."""


def claim_due(session: Session, *, limit: int = BATCH) -> list[Due]:
    """Undelivered callbacks whose time has come, leased for one attempt."""
    now = utcnow()
    query = (
        select(CallbackRow)
        .where(CallbackRow.delivered_at.is_(None), CallbackRow.next_attempt_at <= now)
        .where(CallbackRow.attempts < MAX_ATTEMPTS)
        .order_by(CallbackRow.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    due = []
    for row in session.scalars(query):
        row.next_attempt_at = now + IN_FLIGHT
        due.append(Due(row.id, row.url, dict(row.headers), row.payload, row.attempts))
    session.flush()
    return due


def settle(session: Session, callback: Due, error: str | None) -> None:
    """Mark a delivery done, or schedule the next attempt with backoff."""
    now = utcnow()
    values: dict[str, Any] = {"attempts": callback.attempts + 1, "last_error": error}
    if error is None:
        values["delivered_at"] = now
    else:
        values["next_attempt_at"] = now + timedelta(seconds=backoff(callback.attempts + 1))
    session.execute(update(CallbackRow).where(CallbackRow.id == callback.id).values(**values))


def pending_count(session: Session) -> int:
    rows = session.scalars(select(CallbackRow.id).where(CallbackRow.delivered_at.is_(None)))
    return len(rows.all())


class CallbackDeliverer:
    """The thread that empties the outbox; ``wake`` after committing a new callback."""

    def __init__(self, sessions: SessionFactory, *, poll_seconds: float = 1.0) -> None:
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="modelyard-callbacks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        with httpx.Client(timeout=10.0) as client:
            while not self._stop.is_set():
                try:
                    busy = self.deliver_due(client)
                except Exception:
                    logger.exception("delivering callbacks failed; retrying")
                    busy = False
                if not busy:
                    self._wake.wait(self.poll_seconds)
                    self._wake.clear()

    def deliver_due(self, client: httpx.Client) -> bool:
        """One round: claim what is due, post each, record how it went."""
        if not probe(self.sessions, ANY_DUE, now=utcnow()):
            return False
        with transaction(self.sessions) as session:
            due = claim_due(session)
        for callback in due:
            error = post(client, callback)
            with transaction(self.sessions) as session:
                settle(session, callback, error)
        return bool(due)


def post(client: httpx.Client, callback: Due) -> str | None:
    """One delivery attempt; the error it met, or None when acknowledged."""
    try:
        answer = client.post(callback.url, json=callback.payload, headers=callback.headers)
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"
    if answer.status_code not in ACCEPTED:
        return f"the callback URL answered {answer.status_code}"
    return None
