"""Effects of a transaction outside the database, registered by the service that causes them and
run only once the outermost transaction commits (a rollback drops them).

- ``after_commit`` / ``after_rollback``: an action in this process (remove a file of a deleted
  record; undo a file stored ahead of a record that is not kept).
- ``signal``: tell every process that listens on a channel (wake the job workers, the builder,
  reconfigure or retire instances). In this process the session factory's ``Signals`` hears it
  at commit; on PostgreSQL a ``NOTIFY`` sent inside the transaction reaches every other server,
  and PostgreSQL itself delivers it only on commit. SQLite has no such channel: other processes
  find the work at their next poll.

One signal per channel and payload per transaction, however often a service asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from modelyard.db.signals import SIGNALS, Signals, wire_channel, wire_payload

NOTIFY_LIMIT = 7900
"""PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (and with it the transaction)."""
PENDING = "modelyard.effects"
OUTCOME = "modelyard.effects.outcome"


@dataclass
class _Pending:
    commit: list[Callable[[], None]] = field(default_factory=list)
    rollback: list[Callable[[], None]] = field(default_factory=list)
    signalled: set[tuple[str, str]] = field(default_factory=set)


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the caller's transaction has committed (never if it rolls back)."""
    _pending(session).commit.append(action)


def after_rollback(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` if the caller's transaction rolls back."""
    _pending(session).rollback.append(action)


def signal(session: Session, channel: str, payload: str = "") -> None:
    """Once this transaction commits, every process listening on ``channel`` hears
    ``payload`` (this one included)."""
    pending = _pending(session)
    if (channel, payload) in pending.signalled:
        return
    pending.signalled.add((channel, payload))
    signals: Signals | None = session.info.get(SIGNALS)
    if session.get_bind().dialect.name == "postgresql":
        origin = signals.origin if signals is not None else ""
        wired = wire_payload(origin, payload)
        if len(wired.encode()) > NOTIFY_LIMIT:  # others are told to look for themselves
            wired = wire_payload(origin, "")
        notify = func.pg_notify(wire_channel(channel), wired)
        session.execute(select(notify))
    if signals is not None:
        pending.commit.append(partial(signals.publish, channel, payload))


def _pending(session: Session) -> _Pending:
    session.connection()  # a transaction is under way, so its end is heard
    pending: _Pending | None = session.info.get(PENDING)
    if pending is None:
        pending = session.info[PENDING] = _Pending()
        event.listen(session, "after_commit", partial(_note, outcome="commit"))
        event.listen(session, "after_rollback", partial(_note, outcome="rollback"))
        event.listen(session, "after_transaction_end", _settle)
    return pending


def _note(session: Session, *, outcome: str) -> None:
    session.info[OUTCOME] = outcome


def _settle(session: Session, transaction: SessionTransaction) -> None:
    """At the end of the outermost transaction only: savepoints end (and fire the commit and
    rollback events) inside it."""
    if transaction.nested or transaction.parent is not None:
        return
    pending: _Pending = session.info[PENDING]
    committed = session.info.pop(OUTCOME, "rollback") == "commit"
    actions = list(pending.commit if committed else pending.rollback)
    pending.commit.clear()
    pending.rollback.clear()
    pending.signalled.clear()
    for action in actions:
        action()
