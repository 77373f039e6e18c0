"""A 405 in every dialect says which methods the path answers (all of its routes)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


class TestWrongMethods:
    @pytest.mark.parametrize(
        ("method", "path", "allowed"),
        [
            ("DELETE", "/v2.1/status", "GET"),
            ("DELETE", "/v0/version", "GET"),
            ("PUT", "/leia/1.0.0/whoami", "GET"),
            ("PUT", "/api/models/all", "GET"),
            ("PUT", "/v1/datasets", "GET, POST"),
        ],
    )
    def test_a_405_says_which_methods_are_allowed(
        self, client: TestClient, method: str, path: str, allowed: str
    ) -> None:
        answer = client.request(method, path)
        assert answer.status_code == 405
        assert sorted(answer.headers["Allow"].split(", ")) == sorted(allowed.split(", "))
