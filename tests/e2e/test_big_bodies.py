"""Four concurrent 200 MB bodies without a token, to four dialects of a real server: each is cut
off at the small body limit with a 413, and the server's peak memory barely moves."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.databases import BACKENDS, Templates
from tests.support.server import RunningServer, served

pytestmark = pytest.mark.slow

MB = 1024 * 1024
PATHS = ["/v2.1/organizations", "/leia/1.0.0/login", "/api/models", "/v1/datasets"]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def body(total: int = 200 * MB) -> Iterator[bytes]:
    chunk = b"x" * MB
    for _ in range(total // MB):
        yield chunk


def post(url: str) -> int | str:
    try:
        answer = httpx.post(url, content=body(), timeout=60)
    except httpx.TransportError as error:  # the server answered and closed mid-upload
        return type(error).__name__
    return answer.status_code


@pytest.fixture(params=BACKENDS)
def server(
    request: pytest.FixtureRequest, templates: Templates, tmp_path: Path
) -> Iterator[RunningServer]:
    with served(templates, request.param, tmp_path) as running:
        yield running


class TestBigBodiesWithoutAToken:
    def test_are_refused_while_read_and_cost_no_memory(self, server: RunningServer) -> None:
        before = peak_rss_mb(server.process.pid)
        with ThreadPoolExecutor(len(PATHS)) as pool:
            outcomes = list(pool.map(post, [server.url + path for path in PATHS]))
        assert all(outcome in (413, "WriteError", "RemoteProtocolError") for outcome in outcomes)
        assert 413 in outcomes, outcomes
        assert peak_rss_mb(server.process.pid) - before < 50
        assert httpx.get(f"{server.url}/v2.1/status").status_code == 200
