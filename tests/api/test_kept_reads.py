"""Kept reads (``api/routing.kept``): a read route marked ``@kept`` answers a repeated read with
no thread hop and no query, and every change it rests on holds on the very next read.

What is counted is what could regress: the hops and statements of a second read (none), and
the answer after a change (the new one). That a change on another server holds within 2 s is
in ``tests/e2e/test_two_servers.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, text, update

from modelyard.api.deps import SessionDep
from modelyard.api.routing import Router, kept
from modelyard.core.identity.schemas import TokenIssued
from modelyard.db.engine import make_session_factory
from modelyard.db.lookups import Lookups
from modelyard.db.signals import Signals
from modelyard.db.tables import JobRow, ModelRow, UserRow
from tests.api.test_thread_hops import Hops
from tests.support.registry import bearer, create_model

PROJECT = "/v2.1/projects/default"


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Hops:
    return Hops(monkeypatch)


def ubiops_headers(token: TokenIssued) -> dict[str, str]:
    return {"Authorization": f"Token {token.token}"}


@pytest.fixture
def model(client: TestClient, admin_token: TokenIssued) -> str:
    headers = ubiops_headers(admin_token)
    created = client.post(
        f"{PROJECT}/models",
        headers=headers,
        json={"name": "kept", "input_type": "plain", "output_type": "plain"},
    )
    assert created.status_code == 201, created.text
    version = client.post(
        f"{PROJECT}/models/kept/versions", headers=headers, json={"version": "v1"}
    )
    assert version.status_code == 201, version.text
    return "kept"


def read_twice(hops: Hops, read: Callable[[], Any]) -> tuple[Any, int]:
    """The first answer (read and kept), and the hops of the same read again."""
    first = read()
    assert hops.during(lambda: read() == first) == 0
    assert read() == first
    return first, hops.during(read)


class TestUbiOps:
    def test_a_version_and_the_lists_are_read_once_then_kept(
        self, client: TestClient, admin_token: TokenIssued, model: str, hops: Hops
    ) -> None:
        headers = ubiops_headers(admin_token)
        for path in (
            f"{PROJECT}/models/kept/versions/v1",
            f"{PROJECT}/models/kept/versions",
            f"{PROJECT}/models/kept",
            f"{PROJECT}/models",
        ):
            answer, hops_again = read_twice(
                hops, lambda p=path: client.get(p, headers=headers).json()
            )
            assert hops_again == 0, path
            assert answer, path

    def test_a_change_holds_on_the_very_next_read(
        self, client: TestClient, admin_token: TokenIssued, model: str, hops: Hops
    ) -> None:
        headers = ubiops_headers(admin_token)
        version = f"{PROJECT}/models/kept/versions/v1"
        listing = f"{PROJECT}/models/kept/versions"
        assert client.get(version, headers=headers).json()["description"] is None
        assert [v["description"] for v in client.get(listing, headers=headers).json()] == [None]
        patched = client.patch(version, headers=headers, json={"description": "changed"})
        assert patched.status_code == 200, patched.text
        assert hops.during(lambda: client.get(version, headers=headers)) >= 1  # read afresh
        assert client.get(version, headers=headers).json()["description"] == "changed"
        assert [v["description"] for v in client.get(listing, headers=headers).json()] == [
            "changed"
        ]
        client.post(f"{PROJECT}/models/kept/versions", headers=headers, json={"version": "v2"})
        names = [v["version"] for v in client.get(listing, headers=headers).json()]
        assert sorted(names) == ["v1", "v2"]
        assert client.delete(version, headers=headers).status_code == 204
        assert client.get(version, headers=headers).status_code == 404

    def test_what_is_kept_is_the_callers_project_only(
        self, client: TestClient, admin_token: TokenIssued, model: str
    ) -> None:
        """The permission is checked before the kept answer is looked for: a stranger's read of
        a kept version is refused as before."""
        headers = ubiops_headers(admin_token)
        version = f"{PROJECT}/models/kept/versions/v1"
        assert client.get(version, headers=headers).status_code == 200
        assert client.get(version, headers=headers).status_code == 200
        assert client.get(version, headers={"Authorization": "Token nope"}).status_code == 401


class TestEveryDialect:
    def test_registry_models(
        self, client: TestClient, admin_token: TokenIssued, hops: Hops
    ) -> None:
        headers = bearer(admin_token.token)
        created = create_model(client, headers, model_name="kept")
        one = f"/api/models/id/{created['id']}"
        for path in (one, "/api/models/all"):
            _, hops_again = read_twice(hops, lambda p=path: client.get(p, headers=headers).json())
            assert hops_again == 0, path
        patched = client.patch(one, headers=headers, json={"model_info": {"k": "changed"}})
        assert patched.status_code == 200, patched.text
        assert client.get(one, headers=headers).json()["model_info"] == {"k": "changed"}
        listed = client.get("/api/models/all", headers=headers).json()
        assert [m["model_info"] for m in listed] == [{"k": "changed"}]

    def test_lightly_datasets(
        self, client: TestClient, admin_token: TokenIssued, hops: Hops
    ) -> None:
        token = {"token": admin_token.token}
        created = client.post("/v1/datasets", params=token, json={"name": "pictures"})
        assert created.status_code == 201, created.text
        one = f"/v1/datasets/{created.json()['id']}"
        for path in (one, "/v1/datasets"):
            _, hops_again = read_twice(hops, lambda p=path: client.get(p, params=token).json())
            assert hops_again == 0, path
        deleted = client.request("DELETE", one, params=token, json={})
        assert deleted.status_code == 200
        assert client.get(one, params=token).status_code == 404
        assert client.get("/v1/datasets", params=token).json() == []


# -- the mark itself, on an application of its own ---------------------------------------------


@pytest.fixture
def marked(engine: Engine, admin_token: TokenIssued) -> Iterator[tuple[TestClient, list[str]]]:
    """An application of ``@kept`` routes that read differently, and the statements it sends."""
    signals, reads = Signals(), Lookups(ttl=60)
    sessions = make_session_factory(engine, signals, reads=reads)
    router = Router()

    @router.get("/watched/{name}")
    @kept
    def watched(name: str, session: SessionDep) -> list[str]:
        return [m.name for m in session.scalars(select(ModelRow).where(ModelRow.name == name))]

    @router.get("/elsewhere")
    @kept
    def elsewhere(session: SessionDep) -> int:
        return len(session.scalars(select(UserRow)).all())

    @router.get("/text")
    @kept
    def as_text(session: SessionDep) -> int:
        return len(session.execute(text("SELECT id FROM models")).all())

    @router.get("/writes")
    @kept
    def writes(session: SessionDep) -> int:
        session.execute(update(JobRow).values(attempts=0))
        return len(session.scalars(select(ModelRow)).all())

    app = FastAPI()
    app.state.context = type("Context", (), {"sessions": sessions})()
    app.include_router(router)
    statements: list[str] = []

    def sent(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", sent)
    try:
        with TestClient(app) as client:
            yield client, statements
    finally:
        event.remove(engine, "before_cursor_execute", sent)


def selects(statements: list[str]) -> int:
    return sum(s.lstrip().upper().startswith("SELECT") for s in statements)


class TestTheMark:
    def test_a_read_of_watched_tables_is_kept_per_parameters(
        self, marked: tuple[TestClient, list[str]]
    ) -> None:
        client, statements = marked
        assert client.get("/watched/a").json() == []
        statements.clear()
        assert client.get("/watched/a").json() == []
        assert selects(statements) == 0
        assert client.get("/watched/b").json() == []
        assert selects(statements) == 1, "another parameter is another answer"

    @pytest.mark.parametrize("path", ["/elsewhere", "/text", "/writes"])
    def test_a_read_that_reaches_further_is_read_every_time(
        self, marked: tuple[TestClient, list[str]], path: str
    ) -> None:
        """Users are not watched by kept reads, a text statement's tables are not known, and a
        read that writes is no read: none of them is kept, so none is ever served stale."""
        client, statements = marked
        first = client.get(path)
        assert first.status_code == 200, first.text
        statements.clear()
        assert client.get(path).json() == first.json()
        assert selects(statements) >= 1
