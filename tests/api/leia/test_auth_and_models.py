"""The Leia dialect over HTTP: login tokens, 401 vs 403, the envelope, Content-Range, model
administration and the 400s that name the parameter."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from modelyard.core.identity.schemas import TokenIssued
from tests.support.leia import model_zip

BASE = "/leia/1.0.0"


def login(client: TestClient, api_key: str) -> dict[str, object]:
    response = client.get(f"{BASE}/login/{api_key}")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def headers(token: str) -> dict[str, str]:
    return {"token": token}


def create_model(client: TestClient, token: str, app_id: str, **params: Any) -> dict[str, object]:
    response = client.post(
        f"{BASE}/admin/{app_id}/model",
        params={"name": "counter", **params},
        content=model_zip(),
        headers={**headers(token), "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


class TestLogin:
    def test_login_whoami_logout(self, client: TestClient, admin_token: TokenIssued) -> None:
        answer = login(client, admin_token.token)
        token = str(answer["token"])
        application = answer["application"]
        assert isinstance(application, dict)
        assert application["application_type"] == "admin"
        assert application["email"] == "admin@modelyard.local"
        me = client.get(f"{BASE}/whoami", headers=headers(token))
        assert me.status_code == 200
        assert me.json()["id"] == application["id"]
        assert client.get(f"{BASE}/logout", headers=headers(token)).status_code == 200
        after = client.get(f"{BASE}/whoami", headers=headers(token))
        assert after.status_code == 401
        assert after.json()["status"] == 401

    def test_post_login_and_bad_keys(self, client: TestClient, admin_token: TokenIssued) -> None:
        posted = client.post(f"{BASE}/login", json={"api_key": admin_token.token})
        assert posted.status_code == 200
        assert posted.json()["token"]
        assert client.get(f"{BASE}/login/nonsense").status_code == 401
        assert client.get(f"{BASE}/whoami").status_code == 401
        assert client.get(f"{BASE}/document", headers=headers("nonsense")).status_code == 401

    def test_a_raw_api_token_in_the_token_header_is_refused_and_survives_a_logout(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        raw = headers(admin_token.token)
        assert client.get(f"{BASE}/whoami", headers=raw).status_code == 401
        logout = client.get(f"{BASE}/logout", headers=raw)
        assert logout.status_code == 401
        assert logout.json()["status"] == 401
        projects = client.get("/v2.1/projects", headers={"Authorization": admin_token.token})
        assert projects.status_code == 200
        assert login(client, admin_token.token)["token"]

    def test_developer_gets_403_on_admin_endpoints(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        token = str(login(client, admin_token.token)["token"])
        body = {
            "application_name": "dev",
            "application_type": "developer",
            "email": "dev@example.com",
            "first_name": "Dee",
            "last_name": "Veloper",
        }
        created = client.post(f"{BASE}/admin/application", json=body, headers=headers(token))
        assert created.status_code == 200, created.text
        api_key = created.json()["api_key"]
        developer = login(client, api_key)
        assert isinstance(developer["application"], dict)
        assert developer["application"]["application_type"] == "developer"
        dev_token = str(developer["token"])
        denied = client.get(f"{BASE}/admin/model", headers=headers(dev_token))
        assert denied.status_code == 403
        assert client.get(f"{BASE}/model", headers=headers(dev_token)).status_code == 200
        bad = dict(body, application_type="root")
        refused = client.post(f"{BASE}/admin/application", json=bad, headers=headers(token))
        assert refused.status_code == 400
        assert refused.json()["field"] == "application_type"


class TestModels:
    def test_create_list_page_sort_and_empty_range(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        answer = login(client, admin_token.token)
        token, app_id = str(answer["token"]), str(answer["application"]["id"])  # type: ignore[index]
        empty = client.get(f"{BASE}/admin/model", headers=headers(token))
        assert empty.status_code == 200
        assert empty.json() == []
        assert empty.headers["Content-Range"] == "*/0"
        for name in ("b", "a", "c"):
            create_model(client, token, app_id, name=name, short_name=f"s-{name}", tags=["t"])
        page = client.get(
            f"{BASE}/admin/model",
            params={"sort": "-name", "offset": 1, "limit": 1},
            headers=headers(token),
        )
        assert [m["name"] for m in page.json()] == ["b"]
        assert page.headers["Content-Range"] == "1-1/3"
        model = page.json()[0]
        assert (model["model_module"], model["model_clazz"], model["ttl"]) == (
            "counter",
            "Counter",
            200.0,
        )
        assert model["size"] == len(model_zip())
        by_short = client.get(f"{BASE}/admin/{app_id}/model/s-a", headers=headers(token))
        assert by_short.json()["name"] == "a"
        download = client.get(
            f"{BASE}/admin/{app_id}/model/s-a/file_contents", headers=headers(token)
        )
        assert download.content == model_zip()
        assert download.headers["Content-Length"] == str(len(model_zip()))

    def test_bad_input_names_the_parameter(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        answer = login(client, admin_token.token)
        token, app_id = str(answer["token"]), str(answer["application"]["id"])  # type: ignore[index]
        octet = {**headers(token), "Content-Type": "application/octet-stream"}
        url = f"{BASE}/admin/{app_id}/model"
        not_zip = client.post(url, params={"name": "x"}, content=b"nope", headers=octet)
        assert not_zip.status_code == 400
        assert "leia_model.json" in not_zip.json()["message"]
        partial = model_zip(manifest={"model_module": "counter"})
        lacking = client.post(url, params={"name": "x"}, content=partial, headers=octet)
        assert lacking.status_code == 400
        assert lacking.json()["field"] == "model_clazz"
        typed = model_zip(
            manifest={
                "model_module": "counter",
                "model_clazz": "Counter",
                "model_type": "regression",
                "input_types": ["text"],
            }
        )
        untyped = client.post(url, params={"name": "x"}, content=typed, headers=octet)
        assert untyped.status_code == 400
        assert untyped.json()["field"] == "model_type"
        assert "regression" in untyped.json()["message"]
        no_name = client.post(url, content=model_zip(), headers=octet)
        assert no_name.status_code == 400
        assert no_name.json()["field"] == "name"
        bad_ttl = client.post(
            url, params={"name": "x", "ttl": "soon"}, content=model_zip(), headers=octet
        )
        assert bad_ttl.status_code == 400
        assert bad_ttl.json()["field"] == "ttl"
        bad_sort = client.get(
            f"{BASE}/admin/model", params={"sort": "color"}, headers=headers(token)
        )
        assert bad_sort.status_code == 400
        assert bad_sort.json()["field"] == "sort"
        missing = client.get(f"{BASE}/admin/{app_id}/model/nothing", headers=headers(token))
        assert missing.status_code == 404
        nobody = client.get(f"{BASE}/admin/nobody/model/nothing", headers=headers(token))
        assert nobody.status_code == 404
        assert nobody.json()["field"] == "application_id"
        assert client.get(f"{BASE}/admin/model", headers=headers(token)).json() == []

    def test_model_params_must_be_a_literal(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        answer = login(client, admin_token.token)
        token, app_id = str(answer["token"]), str(answer["application"]["id"])  # type: ignore[index]
        model = create_model(client, token, app_id)
        document = client.post(
            f"{BASE}/document", params={"filename": "a.txt"}, content=b"hi", headers=headers(token)
        ).json()
        url = f"{BASE}/admin/{app_id}/model/{model['id']}/apply/{document['id']}"
        bad = client.post(
            url,
            params={"model_params": "__import__('os').system('true')"},
            json={},
            headers=headers(token),
        )
        assert bad.status_code == 400
        assert bad.json()["field"] == "model_params"
        for query, body in (({"model_params": "[1]"}, {}), ({}, {"model_params": [1]})):
            listed = client.post(url, params=query, json=body, headers=headers(token))
            assert listed.status_code == 400
            assert listed.json() == {
                "status": 400,
                "message": "model_params: must be an object (for example {'key': 'value'}), "
                "not list",
                "field": "model_params",
            }
        ranged = client.post(url, params={"page_range": "1:x"}, json={}, headers=headers(token))
        assert ranged.status_code == 400
        assert ranged.json()["field"] == "page_range"
        other = client.post(
            f"{BASE}/admin/{app_id}/model/{model['id']}/apply/{'0' * 8}",
            json={},
            headers=headers(token),
        )
        assert other.status_code == 404
        assert other.json()["field"] == "document_id"
