"""Kept reads (``api/routing.kept``): a read route marked ``@kept`` answers a repeated read with
no thread hop and no query, and every change it rests on holds on the very next read.

What is counted is what could regress: the hops and statements of a second read (none), and
the answer after a change (the new one). That a change on another server holds within 2 s is
in ``tests/e2e/test_two_servers.py``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, text, update

from modelyard.api.app import create_app
from modelyard.api.deps import SessionDep
from modelyard.api.kept import MAX_BYTES, KeptAnswers, kept, note_kept
from modelyard.api.routing import Router
from modelyard.core.identity import service
from modelyard.core.identity.schemas import TokenIssued
from modelyard.db.engine import SessionFactory, make_session_factory, transaction
from modelyard.db.lookups import Lookups
from modelyard.db.signals import Signals
from modelyard.db.tables import JobRow, ModelRow, UserRow
from modelyard.settings import Settings
from tests.api.test_thread_hops import Hops
from tests.support.registry import bearer, create_model

PROJECT = "/v2.1/projects/default"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Kept a minute unless a change says otherwise: what holds below is the change's doing
    (or the credential's end), not the entries' age."""
    return settings.model_copy(update={"lookup_cache_seconds": 60.0})


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


class TestTheWholeRequest:
    """``KeptAnswers``: the very same request again is answered before any routing, as long as
    nothing it rests on changed, the caller's access included, and its credential lasts."""

    def test_another_request_of_the_same_read_is_kept_by_the_route(
        self, client: TestClient, admin_token: TokenIssued, model: str, hops: Hops
    ) -> None:
        """A header that differs each time (a tracing id) misses the whole-request answer; the
        route's kept answer still saves the hop."""
        path = f"{PROJECT}/models/kept/versions/v1"
        calls = iter(range(100))

        def read() -> Any:
            traced = {**ubiops_headers(admin_token), "X-Trace": str(next(calls))}
            return client.get(path, headers=traced).json()

        first = read()
        assert hops.during(lambda: read() == first) == 0

    def test_a_role_taken_away_holds_on_the_very_next_read(
        self, client: TestClient, admin_token: TokenIssued, model: str
    ) -> None:
        admin = ubiops_headers(admin_token)
        robot = client.post(f"{PROJECT}/service-users", json={"name": "robot"}, headers=admin)
        assert robot.status_code == 201, robot.text
        assignment = {"user_id": robot.json()["id"], "role": "project-viewer"}
        given = client.post(f"{PROJECT}/role-assignments", json=assignment, headers=admin)
        assert given.status_code == 201, given.text
        as_robot = {"Authorization": f"Token {robot.json()['token']}"}
        path = f"{PROJECT}/models/kept/versions/v1"
        assert client.get(path, headers=as_robot).status_code == 200
        assert client.get(path, headers=as_robot).status_code == 200  # kept now
        taken = client.delete(f"{PROJECT}/role-assignments/{given.json()['id']}", headers=admin)
        assert taken.status_code == 204, taken.text
        assert client.get(path, headers=as_robot).status_code in (403, 404)

    def test_a_kept_answer_ends_with_the_callers_credential(
        self, client: TestClient, sessions: SessionFactory, admin_token: TokenIssued, model: str
    ) -> None:
        lifetime = 1.5
        with transaction(sessions) as session:
            principal = service.authenticate(session, admin_token.token)
            short = service.issue_session_token(
                session, principal, lifetime=timedelta(seconds=lifetime), description="short"
            )
        issued = time.monotonic()
        as_short = {"Authorization": f"Bearer {short.token}"}
        path = f"{PROJECT}/models/kept/versions/v1"
        assert client.get(path, headers=as_short).status_code == 200
        assert client.get(path, headers=as_short).status_code == 200  # kept now
        time.sleep(max(0.0, lifetime + 0.2 - (time.monotonic() - issued)))
        assert client.get(path, headers=as_short).status_code == 401


@pytest.fixture
def unkept(settings: Settings) -> Iterator[TestClient]:
    """A second server on the same database that keeps nothing: FastAPI renders every answer."""
    with TestClient(create_app(settings.model_copy(update={"lookup_cache_seconds": 0}))) as other:
        yield other


def test_a_kept_answer_is_what_fastapi_renders(
    client: TestClient, unkept: TestClient, admin_token: TokenIssued, model: str
) -> None:
    """``api/kept._render`` renders a route's answer as FastAPI does: the same bytes, the same
    content type."""
    ubiops, bearer_token = ubiops_headers(admin_token), bearer(admin_token.token)
    create_model(client, bearer_token, model_name="rendered")
    dataset = client.post("/v1/datasets", params={"token": admin_token.token}, json={"name": "d"})
    assert dataset.status_code == 201, dataset.text
    reads = [
        (f"{PROJECT}/models/kept/versions/v1", ubiops, None),
        (f"{PROJECT}/models/kept/versions", ubiops, None),
        ("/api/models/all", bearer_token, None),
        ("/v1/datasets", {}, {"token": admin_token.token}),
    ]
    for path, headers, params in reads:
        for _ in range(2):  # read and kept, then kept
            kept_answer = client.get(path, headers=headers, params=params)
            rendered = unkept.get(path, headers=headers, params=params)
            assert kept_answer.status_code == rendered.status_code == 200, path
            assert kept_answer.content == rendered.content, path
            assert kept_answer.headers["content-type"] == rendered.headers["content-type"], path


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


# -- the whole request (``KeptAnswers``), in front of an application of its own ----------------


@pytest.fixture
def front() -> tuple[TestClient, list[str], Lookups]:
    """``KeptAnswers`` in front of an app that counts what reaches it and says its answer is
    kept unless asked for ``/not-kept``; ``/missing`` is a 404, ``/large`` too large to keep,
    ``/stream`` sent in parts."""
    reached: list[str] = []
    reads = Lookups(ttl=60)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(f"{scope['method']} {scope['path']}")
        if scope["path"] != "/not-kept":
            note_kept()
        status = 404 if scope["path"] == "/missing" else 200
        body = str(len(reached)).encode()
        if scope["path"] == "/large":
            body = body.ljust(MAX_BYTES + 1)
        await send({"type": "http.response.start", "status": status, "headers": []})
        if scope["path"] == "/stream":
            for _ in range(3):
                await send({"type": "http.response.body", "body": body, "more_body": True})
        await send({"type": "http.response.body", "body": body})

    return TestClient(KeptAnswers(app, reads=reads)), reached, reads


class TestKeptAnswers:
    def test_the_very_same_get_is_answered_once_until_forgotten(
        self, front: tuple[TestClient, list[str], Lookups]
    ) -> None:
        client, reached, reads = front
        assert [client.get("/a").text for _ in range(3)] == ["1", "1", "1"]
        assert client.get("/a", headers={"X-Other": "1"}).text == "2"
        assert client.get("/a?page=2").text == "3"
        reads.forget()
        assert client.get("/a").text == "4"
        assert len(reached) == 4

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("GET", "/not-kept", b""),
            ("GET", "/missing", b""),
            ("GET", "/a", b"x"),
            ("POST", "/a", b""),
            ("GET", "/large", b""),
            ("GET", "/stream", b""),
        ],
        ids=["not a kept read", "not a 200", "a body", "not a GET", "too large", "a stream"],
    )
    def test_what_is_not_kept(
        self, front: tuple[TestClient, list[str], Lookups], method: str, path: str, body: bytes
    ) -> None:
        client, reached, _ = front
        for _ in range(2):
            client.request(method, path, content=body)
        assert len(reached) == 2
