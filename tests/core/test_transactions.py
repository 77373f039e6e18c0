"""The one unit of work (``db/engine.transaction``): what a transaction that rolls back added
is gone, savepoints included, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import UserRow


class Refused(Exception):
    pass


def users(sessions: SessionFactory) -> int:
    with transaction(sessions) as session:
        return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)


def test_a_row_added_in_a_released_savepoint_goes_with_the_rollback_around_it(
    sessions: SessionFactory,
) -> None:
    """On SQLite the savepoint came before any write, so it opened the transaction itself
    and its release committed the row (the driver begins only before a write)."""
    before = users(sessions)
    with pytest.raises(Refused), transaction(sessions) as session:  # noqa: PT012
        with session.begin_nested():
            session.add(UserRow(email="kept-by-mistake@example.com"))
        raise Refused
    assert users(sessions) == before


def test_a_released_savepoint_is_kept_when_the_transaction_commits(
    sessions: SessionFactory,
) -> None:
    before = users(sessions)
    with transaction(sessions) as session, session.begin_nested():
        session.add(UserRow(email="kept@example.com"))
    assert users(sessions) == before + 1
