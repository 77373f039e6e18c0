"""What no model catches, refused at each dialect's edge with a 400 naming the field: NUL
characters and unpaired surrogates, deep nesting, integers beyond 64 bits (the reproducers that
were 500s on PostgreSQL), on both databases."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelyard.api.ubiops.routes import requests as requests_route
from modelyard.core.identity.schemas import TokenIssued

JSON = {"Content-Type": "application/json"}


def send(client: TestClient, method: str, url: str, body: str, **headers: str) -> Any:
    return client.request(method, url, content=body.encode(), headers={**JSON, **headers})


class TestNulCharacters:
    def test_in_each_dialects_json_bodies(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        token = admin_token.token
        leia = client.get(f"/leia/1.0.0/login/{token}").json()["token"]
        cases = [
            ("POST", "/api/models", {"model_name": "a\x00b"}, {"Authorization": f"Bearer {token}"}),
            ("POST", "/v1/datasets?token=" + token, {"name": "pics\x00", "type": "Images"}, {}),
            ("POST", "/v2.1/projects/default/models", {
                "name": "m", "input_type": "plain", "output_type": "plain",
                "description": "bad\x00",
            }, {"Authorization": token}),
            ("POST", "/leia/1.0.0/admin/application", {"application_name": "x\x00"},
             {"token": leia}),
        ]  # fmt: skip
        for method, url, body, headers in cases:
            answer = send(client, method, url, json.dumps(body), **headers)
            assert answer.status_code == 400, (url, answer.text)
            assert "contains a NUL character" in answer.text, answer.text
        assert "model_name" in send(client, *cases[0][:2], json.dumps(cases[0][2]),
                                    **cases[0][3]).text  # fmt: skip

    def test_in_a_path_segment_and_a_query_parameter(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        auth = {"Authorization": admin_token.token}
        path = client.get("/v2.1/projects/default/models/m%00", headers=auth)
        assert path.status_code == 400
        assert path.json()["error"] == "model_name: contains a NUL character"
        leia = client.get(f"/leia/1.0.0/login/{admin_token.token}").json()["token"]
        query = client.post(
            "/leia/1.0.0/document",
            params={"filename": "a\x00.txt"},
            content=b"text",
            headers={"token": leia, "Content-Type": "application/octet-stream"},
        )
        assert query.status_code == 400
        assert "filename: contains a NUL character" in query.text

    def test_an_unpaired_surrogate(self, client: TestClient, admin_token: TokenIssued) -> None:
        body = (
            '{"name": "m", "input_type": "plain", "output_type": "plain", "description": "\\ud800"}'
        )
        answer = send(
            client, "POST", "/v2.1/projects/default/models", body,
            Authorization=admin_token.token,
        )  # fmt: skip
        assert answer.status_code == 400
        assert answer.json()["error"] == "body.description: contains an unpaired surrogate"


class TestNumbersAndNesting:
    def test_deep_nesting_and_huge_integers_are_400s(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        auth = {"Authorization": admin_token.token}
        model = {"name": "m", "input_type": "plain", "output_type": "plain"}
        assert client.post("/v2.1/projects/default/models", json=model, headers=auth).is_success
        version = {"version": "v"}
        created = client.post(
            "/v2.1/projects/default/models/m/versions", json=version, headers=auth
        )
        assert created.is_success, created.text
        deep = "[" * 1000 + "]" * 1000
        nested = send(client, "POST", "/v2.1/projects/default/models/m/versions/v/request",
                      deep, **auth)  # fmt: skip
        assert nested.status_code == 400
        assert "nested deeper than 64 levels" in nested.json()["error"]
        huge = send(client, "POST", "/v2.1/projects/default/models/m/versions/v/request",
                    '{"x": ' + "9" * 401 + "}", **auth)  # fmt: skip
        assert huge.status_code == 400
        assert huge.json()["error"] == "body.x: an integer beyond 64 bits"
        too_long = json.dumps({"version": "w", "request_retention_time": 10**20})
        retention = send(client, "POST", "/v2.1/projects/default/models/m/versions",
                         too_long, **auth)  # fmt: skip
        assert retention.status_code == 400
        assert "request_retention_time: an integer beyond 64 bits" in retention.text

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            ("271710754613393457152", "an integer beyond 64 bits"),
            ("-99999999999999999999", "an integer beyond 64 bits"),
            (str(-(2**63)), "must be between -1000 and 1000"),  # 64 bits, beyond its range
            ("1001", "must be between -1000 and 1000"),
            ("0", "must be between -1000 and 1000"),
        ],
    )
    def test_a_query_integer_beyond_64_bits_or_its_documented_range(
        self, client: TestClient, admin_token: TokenIssued, value: str, reason: str
    ) -> None:
        answer = client.get(
            "/v2.1/projects/default/blobs",
            params={"range": value},
            headers={"Authorization": admin_token.token},
        )
        assert answer.status_code == 400
        assert answer.json()["field"] == "range"
        assert answer.json()["error"].startswith(f"range: {reason}")


class TestOneParse:
    def test_a_direct_request_body_is_parsed_once_at_the_edge(
        self, client: TestClient, admin_token: TokenIssued, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        auth = {"Authorization": admin_token.token}
        model = {"name": "m", "input_type": "structured", "output_type": "structured"}
        assert client.post("/v2.1/projects/default/models", json=model, headers=auth).is_success
        version = client.post("/v2.1/projects/default/models/m/versions", json={"version": "v"},
                              headers=auth)  # fmt: skip
        assert version.is_success

        def second_parse(*_: object, **__: object) -> None:
            raise AssertionError("the route parsed the body again")

        monkeypatch.setattr(requests_route, "json", SimpleNamespace(loads=second_parse))
        answer = client.post("/v2.1/projects/default/models/m/versions/v/request",
                             json={"a": 1}, headers=auth)  # fmt: skip
        assert answer.status_code == 409  # reached the service: the version is not built
        assert "not available" in answer.json()["error"]
