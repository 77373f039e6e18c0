"""Fresh, migrated databases for tests: a copied SQLite template, or a PostgreSQL template clone.

The suite always runs on SQLite; with ``MODELYARD_TEST_POSTGRES_URL`` set it runs again on
PostgreSQL. Under ``CI`` an unreachable PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from modelyard.db import migrate
from modelyard.db.engine import make_engine

POSTGRES_URL = os.environ.get("MODELYARD_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


class Templates:
    """Databases migrated once per run, copied for every test that needs one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sqlite_template: Path | None = None
        self.pg_template: str | None = None

    def sqlite(self) -> Path:
        if self.sqlite_template is None:
            path = self.root / "template.db"
            engine = make_engine(f"sqlite:///{path}")
            migrate.upgrade(engine)
            engine.dispose()
            self.sqlite_template = path
        return self.sqlite_template

    def postgres(self) -> str:
        if self.pg_template is None:
            name = f"modelyard_tmpl_{uuid.uuid4().hex[:12]}"
            _admin_execute(f'CREATE DATABASE "{name}"')
            engine = make_engine(_url_for(name))
            migrate.upgrade(engine)
            engine.dispose()
            self.pg_template = name
        return self.pg_template

    def drop(self) -> None:
        if self.pg_template is not None:
            _admin_execute(f'DROP DATABASE IF EXISTS "{self.pg_template}" WITH (FORCE)')


def _url_for(database: str) -> str:
    assert POSTGRES_URL
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


def _admin_execute(statement: str) -> None:
    assert POSTGRES_URL
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def check_postgres_reachable() -> None:
    """Fail under CI, skip elsewhere, when PostgreSQL was asked for but does not answer."""
    if not POSTGRES_URL:
        return
    try:
        _admin_execute("SELECT 1")
    except Exception as exc:
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.exit(message, returncode=3)


@contextmanager
def fresh_database(templates: Templates, backend: str, workdir: Path) -> Iterator[str]:
    """The URL of a new migrated database, removed afterwards."""
    if backend == "sqlite":
        path = workdir / f"modelyard-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(templates.sqlite(), path)
        yield f"sqlite:///{path}"
        return
    template = templates.postgres()
    name = f"modelyard_t_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _url_for(name)
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
