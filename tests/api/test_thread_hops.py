"""Thread hops on the request path: each costs more than most routes' own work, so a request
makes only those it needs (``api/routing.Router``, async dependencies, the cached lookups).

Counted, not timed: every hop goes through ``anyio.to_thread.run_sync``, FastAPI's own ones
included, and the count is what could regress (a plain ``def`` dependency added to every
request, a route made outside a ``Router``)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from modelyard.api import deps, routing
from modelyard.core.identity.schemas import TokenIssued
from modelyard.db import health
from tests.api.ubiops.test_permissions import every_route


class Hops:
    """Counts the calls of ``run_sync`` wherever the request path reaches it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = anyio.to_thread.run_sync

        async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await original(func, *args, **kwargs)

        monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
        for module in (deps, routing, health):
            monkeypatch.setattr(module, "run_sync", counted)

    def during(self, ask: Callable[[], Any]) -> int:
        self.count = 0
        ask()
        return self.count


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Hops:
    return Hops(monkeypatch)


def test_an_authenticated_read_makes_one_hop_once_its_caller_is_known(
    client: TestClient, admin_token: TokenIssued, hops: Hops
) -> None:
    headers = {"Authorization": f"Token {admin_token.token}"}

    def read() -> None:
        answer = client.get("/v2.1/projects/default", headers=headers)
        assert answer.status_code == 200, answer.text

    read()  # the principal and the permission are looked up once
    assert hops.during(read) == 1  # the route with its session's commit; 7 before issue 19


def test_a_refused_token_is_read_once_more_and_not_kept(
    client: TestClient, admin_token: TokenIssued, hops: Hops
) -> None:
    def refused() -> None:
        answer = client.get("/v2.1/projects/default", headers={"Authorization": "Token nope"})
        assert answer.status_code == 401

    refused()
    assert hops.during(refused) == 1  # the lookup in a transaction of its own, every time


def test_status_makes_one_hop_for_its_query_and_none_while_the_answer_is_fresh(
    client: TestClient, hops: Hops
) -> None:
    def ask() -> None:
        assert client.get("/v2.1/status").json() == {"status": "ok"}

    assert hops.during(ask) == 1
    assert hops.during(ask) == 0  # asked again after a second (db/health)


IO_DEPENDENCIES = {
    "modelyard.api.leia.auth.path_application",
    "modelyard.api.leia.auth.path_submitter",
    "modelyard.api.lightly.deps.get_stores",
}
"""The plain ``def`` dependencies, each a thread hop on every request that uses it: those that
read the database (or, for the datasource stores, may touch a remote store's client)."""


def test_only_dependencies_that_do_io_are_plain_functions(client: TestClient) -> None:
    """A plain ``def`` dependency costs a thread hop on every request (a query parser made the
    Leia model list twice as slow as the model get); one that does no I/O is ``async def``."""
    plain: set[str] = set()

    def walk(dependant: Any) -> None:
        for sub in dependant.dependencies:
            call = sub.call
            if inspect.isfunction(call) and not (
                inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)
            ):
                plain.add(f"{call.__module__}.{call.__qualname__}")
            walk(sub)

    for _, route in every_route(client.app):
        walk(route.dependant)
    assert plain == IO_DEPENDENCIES
