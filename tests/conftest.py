"""Fixtures every tier shares: a fresh migrated database per test, on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from modelyard.api.app import create_app
from modelyard.core.identity import service
from modelyard.core.identity.schemas import TokenIssued
from modelyard.db.engine import SessionFactory, make_engine, make_session_factory, transaction
from modelyard.settings import Settings
from tests.support.databases import BACKENDS, Templates, check_postgres_reachable, fresh_database


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    check_postgres_reachable()
    found = Templates(tmp_path_factory.mktemp("templates"))
    yield found
    found.drop()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, templates: Templates, tmp_path: Path
) -> Iterator[str]:
    with fresh_database(templates, request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    created = make_engine(database_url)
    yield created
    created.dispose()


@pytest.fixture
def sessions(engine: Engine) -> SessionFactory:
    return make_session_factory(engine)


@pytest.fixture
def session(sessions: SessionFactory) -> Iterator[Session]:
    """A unit of work for core tests, committed at the end like a request's."""
    with transaction(sessions) as unit:
        yield unit


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, local_datasource_root=tmp_path
    )


@pytest.fixture
def admin_token(sessions: SessionFactory) -> TokenIssued:
    with transaction(sessions) as unit:
        issued = service.bootstrap(unit, admin_email="admin@modelyard.local")
    assert issued is not None
    return issued


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
