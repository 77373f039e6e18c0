"""Every dialect's OpenAPI document is complete (security, error statuses in the dialect's own
body, request bodies, integer ranges) and the root document holds them all. The bounded fuzz
run (``tests/e2e/test_fuzz.py``) holds the answers of a running server to these documents."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelyard.core.identity.schemas import TokenIssued

DIALECTS = ("/v2.1", "/v0", "/leia/1.0.0", "/api/models", "/v1")
METHODS = ("get", "put", "post", "delete", "patch")

OPEN = {
    ("/v2.1", "get", "/status"),
    ("/v2.1", "post", "/authorize"),
    ("/v2.1", "post", "/users"),  # sign-up, open when the operator opens it
    ("/v0", "post", "/auth/realms/master/protocol/openid-connect/token"),
    ("/v0", "get", "/version"),
    ("/leia/1.0.0", "get", "/login/{api_key}"),
    ("/leia/1.0.0", "post", "/login"),
    ("/v1", "get", "/datasources/files/{link}"),  # the signed link is the credential
    ("/api/models", "get", "/files/{token}"),  # likewise
}
"""Operations that take no credentials; every other one names its security scheme."""

BODILESS = {
    ("/v2.1", "put", "/projects/{project_name}/service-users/{service_user_id}/token"),
    ("/v0", "post", "/models/{id}/dataset/uploaded"),
    ("/leia/1.0.0", "post", "/admin/application/{application_id}/reset_api_key"),
    ("/leia/1.0.0", "post", "/document/{document_id}/tag/{tag}"),
    ("/leia/1.0.0", "patch", "/admin/{application_id}/model/{model_id}"),
    ("/leia/1.0.0", "post", "/admin/{application_id}/model/{model_id}/tag/{tag}"),
    ("/leia/1.0.0", "post", "/model/{model_id}/tag/{tag}"),
    ("/leia/1.0.0", "post", "/job/{job_id}/start"),
    ("/leia/1.0.0", "post", "/admin/{submitter_id}/job/{job_id}/start"),
}
"""Writes that take everything from the path and query."""


@pytest.fixture
def documents(client: TestClient) -> dict[str, dict[str, Any]]:
    return {prefix: client.get(f"{prefix}/openapi.json").json() for prefix in DIALECTS}


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def unresolved(document: dict[str, Any]) -> set[str]:
    """References in ``document`` to components it does not define."""
    text = repr(document)
    defined = {
        f"#/components/{kind}/{name}"
        for kind, items in document.get("components", {}).items()
        for name in items
    }
    return set(re.findall(r"'\$ref': '([^']+)'", text)) - defined


class TestDialectDocuments:
    @pytest.mark.parametrize("prefix", DIALECTS)
    def test_every_operation_but_the_open_ones_names_a_security_scheme(
        self, documents: dict[str, dict[str, Any]], prefix: str
    ) -> None:
        document = documents[prefix]
        schemes = set(document["components"]["securitySchemes"])
        assert schemes
        for path, method, operation in operations(document):
            named = {name for requirement in operation.get("security", []) for name in requirement}
            if (prefix, method, path) in OPEN:
                assert not named, (method, path)
            else:
                assert named, (method, path)
                assert named <= schemes, (method, path)

    @pytest.mark.parametrize("prefix", DIALECTS)
    def test_every_operation_lists_its_errors_in_the_dialects_body_and_never_422(
        self, documents: dict[str, dict[str, Any]], prefix: str
    ) -> None:
        for path, method, operation in operations(documents[prefix]):
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            assert {"400", "503"} <= set(responses), (method, path)
            assert "Retry-After" in responses["503"]["headers"]
            if operation.get("security"):
                assert {"401", "403"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if "requestBody" in operation:
                assert {"400", "413"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status >= "400":
                    assert response["content"]["application/json"]["schema"], (status, path)

    @pytest.mark.parametrize("prefix", DIALECTS)
    def test_every_write_documents_its_body_unless_it_takes_none(
        self, documents: dict[str, dict[str, Any]], prefix: str
    ) -> None:
        for path, method, operation in operations(documents[prefix]):
            if method in ("post", "put", "patch"):
                takes_none = (prefix, method, path) in BODILESS
                assert ("requestBody" in operation) != takes_none, (method, path)

    @pytest.mark.parametrize("prefix", DIALECTS)
    def test_every_integer_parameter_has_a_range(
        self, documents: dict[str, dict[str, Any]], prefix: str
    ) -> None:
        for path, method, operation in operations(documents[prefix]):
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                for member in [schema, *schema.get("anyOf", [])]:
                    if member.get("type") == "integer":
                        assert {"minimum", "maximum"} <= set(member), (method, path)

    def test_the_core_ranges_are_the_documented_ones(
        self, documents: dict[str, dict[str, Any]]
    ) -> None:
        operation = documents["/v2.1"]["paths"][
            "/projects/{project_name}/models/{model_name}/versions/{version}/request"
        ]["post"]
        timeout = next(p for p in operation["parameters"] if p["name"] == "timeout")
        assert (timeout["schema"]["minimum"], timeout["schema"]["maximum"]) == (1, 3600)

    @pytest.mark.parametrize("prefix", DIALECTS)
    def test_every_reference_resolves(
        self, documents: dict[str, dict[str, Any]], prefix: str
    ) -> None:
        assert unresolved(documents[prefix]) == set()


class TestRegistryAnswers:
    def test_every_json_answer_names_the_frameworks_output_model(
        self, documents: dict[str, dict[str, Any]]
    ) -> None:
        answered = 0
        for path, method, operation in operations(documents["/api/models"]):
            for status, response in operation["responses"].items():
                json_body = response.get("content", {}).get("application/json")
                if not status.startswith("2") or json_body is None:
                    continue
                schema = json_body["schema"]
                ref = schema.get("$ref") or schema.get("items", {}).get("$ref", "")
                assert ref.endswith("Output"), (method, path, status, schema)
                answered += 1
        assert answered >= 13

    def test_the_record_download_is_documented_as_a_redirect(
        self, documents: dict[str, dict[str, Any]]
    ) -> None:
        operation = documents["/api/models"]["paths"]["/records/id/{record_id}/download"]["get"]
        assert "200" not in operation["responses"]
        assert "Location" in operation["responses"]["302"]["headers"]

    def test_a_project_in_an_organization_not_ones_own_is_a_documented_404(
        self,
        client: TestClient,
        admin_token: TokenIssued,
        documents: dict[str, dict[str, Any]],
    ) -> None:
        """Found by the fuzz run: the organization is named in the body, not the path."""
        operation = documents["/v2.1"]["paths"]["/projects"]["post"]
        assert "404" in operation["responses"]
        answer = client.post(
            "/v2.1/projects",
            json={"name": "elsewhere", "organization_name": "nobody-has-this"},
            headers={"Authorization": f"Token {admin_token.token}"},
        )
        assert answer.status_code == 404, answer.text
        assert "error" in answer.json()


class TestRootDocument:
    def test_it_holds_every_dialects_operations_under_its_mount(
        self, client: TestClient, documents: dict[str, dict[str, Any]]
    ) -> None:
        root = client.get("/openapi.json").json()
        for prefix, document in documents.items():
            for path, method, operation in operations(document):
                merged = root["paths"][prefix + path][method]
                assert merged["responses"].keys() == operation["responses"].keys()
            assert f"({prefix}/openapi.json)" in root["info"]["description"]
        assert unresolved(root) == set()

    def test_operation_ids_and_component_names_do_not_collide(self, client: TestClient) -> None:
        root = client.get("/openapi.json").json()
        ids = [operation["operationId"] for _, _, operation in operations(root)]
        assert len(ids) == len(set(ids))
        assert "v2_1.Error" in root["components"]["schemas"]
        assert "leia_1_0_0.Error" in root["components"]["schemas"]


class TestUnroutablePaths:
    def test_a_path_no_route_matches_is_answered_in_its_dialects_envelope(
        self, client: TestClient
    ) -> None:
        answer = client.get("/v2.1/projects/a%0Ab/models")
        assert answer.status_code == 404
        assert "error" in answer.json()
        answer = client.get("/v1/datasets/a%0Ab")
        assert answer.status_code == 404
        assert answer.json()["code"] == "NOT_FOUND"
