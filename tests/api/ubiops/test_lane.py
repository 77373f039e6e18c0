"""The UbiOps lane (``api/ubiops/lane.py``) answers as the routed path does.

Two servers on one database, one with the lane and one without, are asked the same things;
their answers must match in status, type and body (but for each request's own id and times),
and the lane must have taken exactly the requests it may take: cached, ordinary ones."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from modelyard.api.app import create_app
from modelyard.api.ubiops.lane import Lane
from modelyard.core.identity.schemas import TokenIssued
from modelyard.settings import Settings
from tests.support.packages import model_zip

PROJECT = "/v2.1/projects/default"
FAILING = """
class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        if data.get("x") == 13:
            raise ValueError("unlucky")
        return {"y": data["x"] * 2}
"""
PER_REQUEST = {"id", "request_id", "time_created", "time_started", "time_completed"}


def lane_of(client: TestClient) -> Lane:
    app: Any = client.app
    app = app.middleware_stack  # built on start-up
    while not isinstance(app, Lane):
        app = app.app
    return app


def deploy(client: TestClient, headers: dict[str, str], tmp_path: Path) -> None:
    """A plain echo model and a structured one that doubles ``x`` (and fails on 13)."""
    models = (
        ("echo", {"input_type": "plain", "output_type": "plain"}, None),
        (
            "double",
            {
                "input_type": "structured",
                "output_type": "structured",
                "input_fields": [{"name": "x", "data_type": "int"}],
                "output_fields": [{"name": "y", "data_type": "int"}],
            },
            FAILING,
        ),
    )
    for name, kinds, source in models:
        answer = client.post(f"{PROJECT}/models", json={"name": name, **kinds}, headers=headers)
        assert answer.status_code == 201, answer.text
        version = {"version": "v1", "minimum_instances": 1, "maximum_instances": 1}
        answer = client.post(f"{PROJECT}/models/{name}/versions", json=version, headers=headers)
        assert answer.status_code == 201, answer.text
        package = model_zip(tmp_path / f"{name}.zip", *([source] if source else []))
        with package.open("rb") as file:
            answer = client.put(
                f"{PROJECT}/models/{name}/versions/v1/upload",
                files={"file": ("package.zip", file, "application/zip")},
                headers=headers,
            )
        assert answer.status_code == 200, answer.text
    for name, _, _ in models:
        deadline = time.monotonic() + 120
        while True:
            status = client.get(f"{PROJECT}/models/{name}/versions/v1", headers=headers)
            if status.json()["status"] == "available":
                break
            assert status.json()["status"] != "unavailable", status.text
            assert time.monotonic() < deadline, "the version did not become available"
            time.sleep(0.2)


@pytest.fixture
def servers(
    settings: Settings, admin_token: TokenIssued, tmp_path: Path
) -> Iterator[tuple[TestClient, TestClient]]:
    """A server with the lane and one without, on one database, both with warm instances."""
    # what the lane takes is counted: a target kept longer than a slow machine's test takes
    # (its expiry is not what these tests are about: tests/core/test_lookups.py)
    limited = settings.model_copy(update={"max_body_mb": 1, "lookup_cache_seconds": 300})
    headers = {"Authorization": f"Token {admin_token.token}"}
    with TestClient(create_app(limited)) as lane:
        deploy(lane, headers, tmp_path)
        routed_settings = limited.model_copy(update={"direct_lane": False})
        with TestClient(create_app(routed_settings)) as routed:
            yield lane, routed


def same(lane: Response, routed: Response) -> dict[str, Any]:
    """Both answers, checked alike; the lane's body without its per-request values."""
    assert lane.status_code == routed.status_code, (lane.text, routed.text)
    assert lane.headers["content-type"] == routed.headers["content-type"]
    assert sorted(lane.headers.keys()) == sorted(routed.headers.keys())
    assert int(lane.headers["content-length"]) == len(lane.content)

    def stable(answer: Response) -> Any:
        body = answer.json()
        if isinstance(body, dict):
            return {k: v for k, v in body.items() if k not in PER_REQUEST}
        return body

    assert stable(lane) == stable(routed)
    body: dict[str, Any] = lane.json()
    return body


class TestTheLaneAnswersAsTheRoutedPath:
    def test_a_cached_request_is_taken_and_answered_alike(
        self, servers: tuple[TestClient, TestClient], admin_token: TokenIssued
    ) -> None:
        lane, routed = servers
        headers = {"Authorization": f"Token {admin_token.token}"}
        path = f"{PROJECT}/models/double/versions/v1/request"
        first = lane.post(path, json={"x": 1}, headers=headers)  # resolves, then is cached
        taken = lane_of(lane).taken
        asks: list[dict[str, Any]] = [
            {"json": {"x": 21}},
            {"json": {"x": 13}},  # the model raises: a failed request, answered 200
            {"json": {"x": "a"}},  # refused by the service: 400 in the UbiOps envelope
            {"json": {"z": 1}},
            {"json": [1, 2]},
            {"json": {"x": 2}, "params": {"timeout": 5}},
        ]
        answers = [
            same(lane.post(path, headers=headers, **a), routed.post(path, headers=headers, **a))
            for a in asks
        ]
        assert lane_of(lane).taken == taken + len(asks)
        assert first.json()["result"] == {"y": 2}
        assert answers[0]["result"] == {"y": 42}
        assert answers[0]["success"] is True
        assert answers[1]["success"] is False
        assert "unlucky" in answers[1]["error_message"]
        assert "x" in answers[2]["error"]
        assert answers[5]["result"] == {"y": 4}

    def test_the_status_is_taken_and_answered_alike(
        self, servers: tuple[TestClient, TestClient]
    ) -> None:
        lane, routed = servers
        taken = lane_of(lane).taken
        answer = same(lane.get("/v2.1/status"), routed.get("/v2.1/status"))
        assert answer == {"status": "ok"}
        assert lane_of(lane).taken == taken + 1

    def test_plain_text_is_taken_as_plain_input(
        self, servers: tuple[TestClient, TestClient], admin_token: TokenIssued
    ) -> None:
        lane, routed = servers
        headers = {"Authorization": f"Token {admin_token.token}", "Content-Type": "text/plain"}
        path = f"{PROJECT}/models/echo/versions/v1/request"
        lane.post(path, content="warm", headers=headers)
        taken = lane_of(lane).taken
        answer = same(
            lane.post(path, content="héllo", headers=headers),
            routed.post(path, content="héllo", headers=headers),
        )
        assert answer["result"] == "héllo"
        assert lane_of(lane).taken == taken + 1


class TestWhatTheLaneLeavesToTheRoutedPath:
    @pytest.mark.parametrize(
        ("ask", "status"),
        [
            ({"content": b'{"x": 1', "headers": {"Content-Type": "application/json"}}, 400),
            ({"json": {"x": "a\u0000b"}}, 400),
            ({"json": {"x": 1}, "params": {"timeout": 0}}, 400),
            ({"json": {"x": 1}, "params": {"timeout": 1, "other": "1"}}, 200),
            (
                {
                    "content": b"x" * (2 * 1024 * 1024),
                    "headers": {"Content-Type": "application/json"},
                },
                413,
            ),
            (
                {
                    "chunks": [b'{"x": ', b"3}"],
                    "headers": {"Content-Type": "application/json"},
                },
                200,
            ),
        ],
        ids=["bad json", "nul", "timeout out of range", "other query", "too large", "chunked"],
    )
    def test_an_unusual_request_goes_the_routed_way(
        self,
        servers: tuple[TestClient, TestClient],
        admin_token: TokenIssued,
        ask: dict[str, Any],
        status: int,
    ) -> None:
        lane, routed = servers
        auth = {"Authorization": f"Token {admin_token.token}"}
        path = f"{PROJECT}/models/double/versions/v1/request"
        lane.post(path, json={"x": 1}, headers=auth)
        taken = lane_of(lane).taken
        ask = dict(ask)  # shared by the backends' runs
        headers = {**auth, **ask.pop("headers", {})}
        content = ask.pop("content", None)
        chunks = ask.pop("chunks", None)
        if chunks is not None:  # sent without a length
            answers = [
                c.post(path, content=iter(chunks), headers=headers, **ask) for c in (lane, routed)
            ]
        else:
            kwargs = {"content": content} if content is not None else {}
            answers = [c.post(path, headers=headers, **kwargs, **ask) for c in (lane, routed)]
        same(*answers)
        assert answers[0].status_code == status, answers[0].text
        assert lane_of(lane).taken == taken

    def test_a_token_not_cached_is_resolved_by_the_route_first(
        self, servers: tuple[TestClient, TestClient], admin_token: TokenIssued
    ) -> None:
        lane, routed = servers
        path = f"{PROJECT}/models/double/versions/v1/request"
        for token in ("nope", admin_token.token):
            headers = {"Authorization": f"Token {token}"}
            taken = lane_of(lane).taken
            same(
                lane.post(path, json={"x": 1}, headers=headers),
                routed.post(path, json={"x": 1}, headers=headers),
            )
            assert lane_of(lane).taken == taken
