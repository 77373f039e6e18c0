"""Cached lookups (``db/lookups``): kept while nothing they rest on changes, forgotten by the
commit that changes it before that commit returns, never kept from a read a change overtook."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.sql.util import find_tables

from modelyard.core.serving import hotpath
from modelyard.db.engine import SessionFactory, make_session_factory, transaction
from modelyard.db.lookups import WATCHED, Lookups, kept_by
from modelyard.db.signals import Signals
from modelyard.db.tables import ApiTokenRow, JobRow, UserRow
from modelyard.db.types import utcnow


def test_an_answer_is_kept_until_forgotten() -> None:
    lookups = Lookups()
    lookups.put("k", "v", lookups.stamp())
    assert lookups.get("k") == "v"
    lookups.forget()
    assert lookups.get("k") is None


def test_an_answer_read_while_a_change_committed_is_not_kept() -> None:
    lookups = Lookups()
    stamp = lookups.stamp()  # taken before the read ...
    lookups.forget()  # ... a change commits meanwhile ...
    lookups.put("k", "read before the change", stamp)
    assert lookups.get("k") is None


def test_an_answer_lives_at_most_its_ttl_and_none_with_ttl_zero() -> None:
    lookups = Lookups(ttl=0.05)
    lookups.put("k", "v", lookups.stamp())
    time.sleep(0.1)
    assert lookups.get("k") is None
    never = Lookups(ttl=0)
    never.put("k", "v", never.stamp())
    assert never.get("k") is None


def test_the_oldest_answer_makes_room() -> None:
    lookups = Lookups(size=2)
    for key in "abc":
        lookups.put(key, key.upper(), lookups.stamp())
    assert [lookups.get(k) for k in "abc"] == [None, "B", "C"]


@pytest.fixture
def kept(engine: Engine) -> tuple[SessionFactory, Lookups]:
    signals, lookups = Signals(), Lookups(ttl=60)
    factory = make_session_factory(engine, signals, lookups=lookups)
    assert kept_by(factory) is lookups
    return factory, lookups


def _filled(lookups: Lookups) -> Lookups:
    lookups.put("k", "v", lookups.stamp())
    return lookups


def test_a_commit_that_writes_a_watched_table_forgets_before_it_returns(
    kept: tuple[SessionFactory, Lookups],
) -> None:
    factory, lookups = kept
    with transaction(factory) as session:
        session.add(UserRow(email="a@example.com", is_admin=False))
    assert _filled(lookups).get("k") == "v"
    with transaction(factory) as session:
        user = session.query(UserRow).one()
        user.is_admin = True
        assert lookups.get("k") == "v"  # not before the commit
    assert lookups.get("k") is None


def test_a_bulk_statement_on_a_watched_table_forgets(
    kept: tuple[SessionFactory, Lookups],
) -> None:
    factory, lookups = kept
    _filled(lookups)
    with transaction(factory) as session:
        session.execute(update(ApiTokenRow).values(revoked_at=utcnow()))
    assert lookups.get("k") is None


def test_a_rollback_and_a_write_elsewhere_forget_nothing(
    kept: tuple[SessionFactory, Lookups],
) -> None:
    factory, lookups = kept
    _filled(lookups)
    with transaction(factory) as session:
        session.add(UserRow(email="b@example.com", is_admin=False))
        session.flush()
        session.rollback()
    with transaction(factory) as session:
        session.execute(update(JobRow).values(attempts=0))
    assert lookups.get("k") == "v"


@pytest.mark.parametrize(
    "statement", [hotpath.RESOLVE, hotpath.PINNED], ids=["direct request", "batch request"]
)
def test_the_hot_path_reads_only_watched_tables(statement: object) -> None:
    """A table the cached target rests on but no change signals would leave it stale."""
    read = {table.name for table in find_tables(statement, include_crud=False)}  # type: ignore[arg-type]
    assert read, "the statement reads no table?"
    assert read <= WATCHED, read - WATCHED
