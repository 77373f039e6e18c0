"""Lookups every request makes (token → principal, project access, a direct request's target),
kept in memory until something they rest on changes.

A commit that writes one of the ``WATCHED`` tables sends the ``lookups`` signal
(``db/effects.signal``). This process forgets every entry at once, in the committing thread
before the commit returns, so its very next request reads afresh; other servers on PostgreSQL
forget theirs when the ``NOTIFY`` arrives, milliseconds later. An entry also lives at most
``ttl`` seconds: the bound for changes no signal reports (another server on SQLite, the CLI on
SQLite, a listening connection that was lost for a while).

A reader takes a ``stamp`` before it reads the database and stores its answer under it; an
answer read while a change was committing carries an old stamp and is never served, so no entry
outlives a change it may have missed.

A second set, the kept reads (``READS``), holds whole answers of read routes (a version, a list
of models) the same way, forgotten on a change to ``READ_WATCHED``, a table set of its own so
that the resources' writes leave the identity lookups alone. Such an answer is kept only if its
read wrote nothing and read only those tables (``Reading``): a read that reaches further is
simply read afresh every time, never served stale.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables

from modelyard.db import effects

CHANNEL = "lookups"
LOOKUPS = "modelyard.lookups"
"""The key of a session's ``info`` that holds its process's ``Lookups``, if it keeps any."""
READS = "reads"
KEPT_READS = "modelyard.reads"
"""The key of a session's ``info`` that holds its process's kept reads, if it keeps any."""
READING = "modelyard.reading"
"""The key of a session's ``info`` that holds the ``Reading`` under way in it, if any."""

WATCHED = frozenset(
    {
        # who asks: tokens, users, service users
        "api_tokens",
        "users",
        "service_users",
        # what they may do: organizations, memberships, roles and where they are assigned
        "organizations",
        "organization_members",
        "roles",
        "role_permissions",
        "role_assignments",
        # what a direct request runs: the project, model, version, its build and variables
        "projects",
        "models",
        "model_versions",
        "builds",
        "environment_variables",
    }
)
"""The tables cached lookups read (``tests/core/test_lookups.py`` checks the hot path's
statements read no other)."""

READ_WATCHED = frozenset(
    {
        # UbiOps: models and their versions with their builds
        "projects",
        "models",
        "model_versions",
        "builds",
        # Leia applications and document models, Alchemite models and datasets, Lightly
        # datasets and sources
        "applications",
        "document_models",
        "tabular_models",
        "tabular_datasets",
        "sample_datasets",
        "datasources",
        # the registry: its models and what they link to (not its records, written in streams)
        "tracking_models",
        "tracking_experiments",
        "tracking_seasons",
        "tracking_sites",
        "tracking_datasets",
        "tracking_model_experiments",
        "tracking_model_datasets",
    }
)
"""The tables a kept read may read; a write to one forgets every kept read."""

WATCHES = {CHANNEL: WATCHED, READS: READ_WATCHED}


class Lookups:
    """Answers by key, each valid while nothing watched has changed since it was read."""

    def __init__(self, *, ttl: float = 1.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._generation = 0
        self._entries: dict[Hashable, tuple[int, float, Any]] = {}
        self._lock = threading.Lock()

    def stamp(self) -> int:
        """Take before reading what ``put`` will store."""
        return self._generation

    def get(self, key: Hashable) -> Any:
        """The answer stored for ``key``, or None when there is none still valid."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        generation, born, value = entry
        if generation != self._generation or time.monotonic() - born > self.ttl:
            return None
        return value

    def put(self, key: Hashable, value: Any, stamp: int) -> None:
        """Keep ``value``, read after ``stamp`` was taken (dropped if a change came since)."""
        if stamp != self._generation or self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.size:  # the oldest goes first
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (stamp, time.monotonic(), value)

    def forget(self, _payload: str = "") -> None:
        """Something watched changed: nothing stored so far is served again."""
        with self._lock:
            self._generation += 1
            self._entries = {}


def lookups_of(session: Session) -> Lookups | None:
    """The lookups of the process ``session`` belongs to (None where none are kept: the CLI,
    tests of one service)."""
    found: Lookups | None = session.info.get(LOOKUPS)
    return found


def kept_by(factory: Any) -> Lookups | None:
    """The lookups the sessions of ``factory`` keep, for code that reads without a session."""
    found: Lookups | None = factory.kw.get("info", {}).get(LOOKUPS)
    return found


def reads_of(session: Session) -> Lookups | None:
    """The kept reads of the process ``session`` belongs to (None where none are kept)."""
    found: Lookups | None = session.info.get(KEPT_READS)
    return found


class Reading:
    """What one session reads while it is watched (``watch``), and whether an answer made of
    it may be kept: not if the session wrote, or read a table outside ``READ_WATCHED`` or a
    statement whose tables are not known (text)."""

    def __init__(self) -> None:
        self.tables: set[str] = set()
        self.unkeepable = False

    @property
    def keepable(self) -> bool:
        return not self.unkeepable and bool(self.tables) and self.tables <= READ_WATCHED

    def watch(self, session: Session) -> None:
        session.info[READING] = self

    def see(self, state: ORMExecuteState) -> None:
        statement, tables = state.statement, []
        if state.is_select and isinstance(statement, ClauseElement):
            tables = find_tables(statement, include_crud=False)
        if not tables:
            self.unkeepable = True
        self.tables.update(table.name for table in tables)


def report_changes(factory: Any) -> None:
    """Make every session of ``factory`` signal when it writes a watched table."""
    event.listen(factory, "after_flush", _flushed)
    event.listen(factory, "do_orm_execute", _executed)


def _flushed(session: Session, _flush: UOWTransaction) -> None:
    rows = chain(session.new, session.dirty, session.deleted)
    changed = {getattr(row, "__tablename__", None) for row in rows}
    reading: Reading | None = session.info.get(READING)
    if reading is not None and changed:
        reading.unkeepable = True
    for channel, tables in WATCHES.items():
        if not changed.isdisjoint(tables):
            effects.signal(session, channel)


def _executed(state: ORMExecuteState) -> None:
    """Bulk statements (``update(...)``, ``delete(...)``) pass by the flush."""
    reading: Reading | None = state.session.info.get(READING)
    if reading is not None:
        reading.see(state)
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    name = getattr(getattr(state.statement, "table", None), "name", None)
    for channel, tables in WATCHES.items():
        if name in tables:
            effects.signal(state.session, channel)
