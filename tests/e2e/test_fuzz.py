"""A bounded schemathesis run over every dialect's OpenAPI document against a running server,
on each database: no generated request, however odd, may get a 5xx, and every answer must be
one the document lists, with the status, content type, headers and body it documents. The
budget keeps CI well inside its time; raise ``MODELYARD_FUZZ_EXAMPLES`` for a longer run
(CONTRIBUTING.md, "Fuzzing")."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.databases import BACKENDS, Templates
from tests.support.server import RunningServer, served

pytestmark = pytest.mark.slow

EXAMPLES = os.environ.get("MODELYARD_FUZZ_EXAMPLES", "5")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
SPARED = {"leia/1.0.0": ["--exclude-path", "/logout"]}
"""Operations that would end the run's own session (every later answer a 401)."""


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    with served(templates, request.param, workdir) as running:
        yield running


def credentials(server: RunningServer, dialect: str) -> str:
    """The header each dialect authenticates with, for the administrator."""
    token = server.token
    if dialect == "v0":
        issued = httpx.post(
            f"{server.url}/v0/auth/realms/master/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=("modelyard", token),
        )
        return f"Authorization: Bearer {issued.json()['access_token']}"
    if dialect == "leia/1.0.0":
        login = httpx.get(f"{server.url}/leia/1.0.0/login/{token}")
        return f"token: {login.json()['token']}"
    return f"Authorization: Bearer {token}"


@pytest.mark.parametrize("dialect", ["v2.1", "v0", "leia/1.0.0", "api/models", "v1"])
def test_every_answer_is_documented_and_none_is_a_server_error(
    server: RunningServer, dialect: str, tmp_path: Path
) -> None:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{server.url}/{dialect}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        EXAMPLES,
        "--header",
        credentials(server, dialect),
        "--no-color",
        *SPARED.get(dialect, []),
    ]
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False
    )
    assert run.returncode == 0, run.stdout[:6000] + run.stderr[-2000:]  # failures come first
    assert " passed" in run.stdout
