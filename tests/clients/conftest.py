"""The real ``ubiops==2.1.0`` client against a real server, once per backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import ubiops

from tests.support.databases import BACKENDS, Templates
from tests.support.server import RunningServer, served
from tests.support.ubiops import client_for


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp(f"server-{request.param}")
    with served(templates, request.param, workdir) as running:
        yield running


def core_api(server: RunningServer, token: str) -> Iterator[ubiops.CoreApi]:
    """A client acting with ``token`` (use with ``yield from`` in fixtures)."""
    with client_for(server.url, token) as api:
        yield api


@pytest.fixture
def api(server: RunningServer) -> Iterator[ubiops.CoreApi]:
    """The administrator's client."""
    yield from core_api(server, server.token)
