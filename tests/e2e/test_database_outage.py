"""A database outage, made by cutting a TCP proxy in front of the real PostgreSQL, or on SQLite
by another process holding the write lock: every dialect answers 503 in its own envelope with
Retry-After, the log says so in a line or two rather than a traceback per request, and the
server recovers without a restart once the database is back."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.support.databases import BACKENDS, Templates, fresh_database
from tests.support.proxy import Proxy
from tests.support.server import RunningServer, free_port, running_server, start_process

pytestmark = pytest.mark.slow

Call = Callable[[httpx.Client], httpx.Response]


def through(proxy: Proxy, url: str) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


@pytest.fixture
def cut_database(templates: Templates, tmp_path: Path) -> Iterator[tuple[RunningServer, Proxy]]:
    with fresh_database(templates, "postgresql", tmp_path) as url:
        target = make_url(url)
        proxy = Proxy((target.host or "127.0.0.1", target.port or 5432))
        proxy.restore()
        try:
            with running_server(through(proxy, url), tmp_path / "data") as server:
                yield server, proxy
        finally:
            proxy.cut()


def calls(http: httpx.Client, token: str) -> dict[str, Call]:
    """One authenticated read per dialect, with the logins each needs made beforehand."""
    issued = http.post(
        "/v0/auth/realms/master/protocol/openid-connect/token",
        data={"grant_type": "client_credentials"},
        auth=("modelyard", token),
    ).json()["access_token"]
    leia = http.get(f"/leia/1.0.0/login/{token}").json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    model = {"model_name": "outage", "model_url": "x"}
    assert http.post("/api/models", json=model, headers=bearer).status_code == 201
    return {
        "ubiops": lambda c: c.get("/v2.1/projects", headers={"Authorization": f"Token {token}"}),
        "alchemite": lambda c: c.get("/v0/models", headers={"Authorization": f"Bearer {issued}"}),
        "leia": lambda c: c.get("/leia/1.0.0/whoami", headers={"token": leia}),
        "registry": lambda c: c.get("/api/models/all", headers=bearer),
        "lightly": lambda c: c.get("/v1/datasets", params={"token": token}),
    }


ENVELOPE_KEYS = {
    "ubiops": {"error"},
    "alchemite": {"status", "title", "detail", "type"},
    "leia": {"status", "message"},
    "registry": {"error", "error_description"},
    "lightly": {"code", "message"},
}


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
class TestADatabaseOutage:
    def test_is_a_503_in_every_envelope_logged_once_and_over_when_the_database_is_back(
        self, backend: str, cut_database: tuple[RunningServer, Proxy]
    ) -> None:
        server, proxy = cut_database
        output: list[str] = []
        assert server.process.stdout is not None
        reader = threading.Thread(
            target=lambda: output.extend(iter(server.process.stdout.readline, "")),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        with httpx.Client(base_url=server.url, timeout=30) as http:
            dialects = calls(http, server.token)
            assert {name: call(http).status_code for name, call in dialects.items()} == {
                name: 200 for name in dialects
            }
            assert http.get("/v2.1/status").json() == {"status": "ok"}
            proxy.cut()
            for call in dialects.values():  # a kept read may answer until the cut is noticed
                assert refused_within(http, call, seconds=KEPT_AT_MOST + 1)
            for _ in range(3):
                for name, call in dialects.items():
                    answer = call(http)
                    assert answer.status_code == 503, (name, answer.text)
                    assert answer.headers["Retry-After"] == "5"
                    assert ENVELOPE_KEYS[name] <= set(answer.json()), (name, answer.json())
            assert status_within(http, 503, {"status": "fail"}, seconds=5)
            time.sleep(2)  # the background loops meet the outage too
            during = list(output)
            proxy.restore()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if all(call(http).status_code == 200 for call in dialects.values()):
                    break
                time.sleep(0.5)
            assert {name: call(http).status_code for name, call in dialects.items()} == {
                name: 200 for name in dialects
            }
            assert status_within(http, 200, {"status": "ok"}, seconds=5)
        outage_lines = [line for line in during if "database is unavailable" in line]
        assert 1 <= len(outage_lines) <= 2, during
        assert not [line for line in during if "Traceback" in line], "".join(during)


KEPT_AT_MOST = 1.0
"""``MODELYARD_LOOKUP_CACHE_SECONDS``: how long a kept read (``api/kept.py``) may still be
answered from memory once the database is gone, if the lost ``LISTEN`` connection is not
noticed sooner (``db/signals``: then the kept reads are forgotten at once)."""


def refused_within(http: httpx.Client, call: Call, *, seconds: float) -> bool:
    """Whether ``call`` is answered 503 within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if call(http).status_code == 503:
            return True
        time.sleep(0.05)
    return False


def status_within(http: httpx.Client, code: int, body: object, *, seconds: float) -> bool:
    """Whether ``GET /v2.1/status`` answers ``code`` and ``body`` within ``seconds`` (its
    answer may be up to a second old: ``db/health``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = http.get("/v2.1/status")
        if answer.status_code == code and answer.json() == body:
            return True
        time.sleep(0.1)
    return False


def writes(http: httpx.Client, token: str) -> dict[str, Call]:
    """One write per dialect (each makes something new, so it can be repeated)."""
    bearer = {"Authorization": f"Bearer {token}"}

    def name() -> str:
        return f"w{uuid.uuid4().hex[:10]}"

    return {
        "ubiops": lambda c: c.post(
            "/v2.1/projects/default/models",
            json={"name": name(), "input_type": "plain", "output_type": "plain"},
            headers=bearer,
        ),
        "alchemite": lambda c: c.post(
            "/v0/auth/realms/master/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=("modelyard", token),
        ),
        "leia": lambda c: c.get(f"/leia/1.0.0/login/{token}"),
        "registry": lambda c: c.post(
            "/api/models", json={"model_name": name(), "model_url": "x"}, headers=bearer
        ),
        "lightly": lambda c: c.post(
            "/v1/datasets", json={"name": name(), "type": "Images"}, params={"token": token}
        ),
    }


@pytest.mark.skipif("sqlite" not in BACKENDS, reason="the SQLite backend is not selected")
class TestASqliteWriteLockHeldElsewhere:
    def test_is_a_503_for_writes_in_every_envelope_and_over_when_the_lock_is_released(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        with (
            fresh_database(templates, "sqlite", tmp_path) as url,
            running_server(
                url, tmp_path / "data", env={"MODELYARD_SQLITE_LOCK_WAIT_SECONDS": "0.5"}
            ) as server,
            httpx.Client(base_url=server.url, timeout=30) as http,
        ):
            dialects = writes(http, server.token)
            before = {name: call(http).status_code for name, call in dialects.items()}
            assert before == {
                "ubiops": 201,
                "alchemite": 200,
                "leia": 200,
                "registry": 201,
                "lightly": 201,
            }
            reads = calls(http, server.token)
            holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")  # a backup or another writer, say
            for name, call in dialects.items():
                answer = call(http)
                assert answer.status_code == 503, (name, answer.text)
                assert answer.headers["Retry-After"] == "5"
                assert ENVELOPE_KEYS[name] <= set(answer.json()), (name, answer.json())
            for name, read in reads.items():  # WAL: readers are not blocked meanwhile
                assert read(http).status_code == 200, name
            holder.execute("ROLLBACK")
            holder.close()
            after = {name: call(http).status_code for name, call in dialects.items()}
            assert after == before


class TestStartingWithoutADatabase:
    @pytest.mark.parametrize(
        ("backend", "reason"),
        [("sqlite", "unable to open database file"), ("postgresql", "Connection refused")],
    )
    def test_says_which_database_and_why_in_one_paragraph_and_exits_3(
        self, tmp_path: Path, backend: str, reason: str
    ) -> None:
        unreachable = (
            f"sqlite:///{tmp_path}/no/such/dir/modelyard.db"
            if backend == "sqlite"
            else f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/modelyard"
        )
        process = start_process(unreachable, tmp_path / "data", free_port())
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 3
        assert "Traceback" not in output
        (error,) = [line for line in output.splitlines() if line.startswith("error:")]
        assert error.startswith(f"error: cannot reach the database at {unreachable}: ")
        assert reason in error
        assert "MODELYARD_DATABASE_URL" in error
