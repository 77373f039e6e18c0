"""Documents over HTTP: raw and base64 bodies, contents, listing with Content-Range, tags,
and another application's document is unknown."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from modelyard.core.identity.schemas import TokenIssued
from tests.api.leia.test_auth_and_models import BASE, headers, login


class TestDocuments:
    def test_raw_and_base64_bodies(self, client: TestClient, admin_token: TokenIssued) -> None:
        token = str(login(client, admin_token.token)["token"])
        raw = client.post(
            f"{BASE}/document",
            params={"filename": "r.txt", "tags": ["a", "b"]},
            content=b"plain",
            headers=headers(token),
        ).json()
        assert (raw["size"], raw["mime_type"], raw["tags"]) == (5, "text/plain", ["a", "b"])
        encoded = client.post(
            f"{BASE}/document",
            params={"filename": "e.bin", "b64": True},
            content=base64.b64encode(b"\x00\x01"),
            headers=headers(token),
        ).json()
        contents = client.get(
            f"{BASE}/document/{encoded['id']}/file_contents", headers=headers(token)
        )
        assert contents.content == b"\x00\x01"
        bad = client.post(
            f"{BASE}/document",
            params={"filename": "x", "b64": True},
            content=b"%%%",
            headers=headers(token),
        )
        assert bad.status_code == 400
        assert bad.json()["field"] == "body"
        listed = client.get(f"{BASE}/document", params={"tags": ["a"]}, headers=headers(token))
        assert [d["id"] for d in listed.json()] == [raw["id"]]
        assert listed.headers["Content-Range"] == "0-0/1"
        tags = client.get(f"{BASE}/document/tag", headers=headers(token))
        assert tags.json() == ["a", "b"]
        assert tags.headers["Content-Range"] == "0-1/2"
        blank = client.post(
            f"{BASE}/document", params={"filename": " "}, content=b"x", headers=headers(token)
        )
        assert blank.status_code == 400
        assert blank.json()["field"] == "filename"

    def test_another_applications_document_is_unknown(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        token = str(login(client, admin_token.token)["token"])
        mine = client.post(
            f"{BASE}/document", params={"filename": "m.txt"}, content=b"m", headers=headers(token)
        ).json()
        body = {
            "application_name": "dev",
            "application_type": "developer",
            "email": "d@example.com",
            "first_name": "D",
            "last_name": "Ev",
        }
        key = client.post(f"{BASE}/admin/application", json=body, headers=headers(token))
        other = str(login(client, key.json()["api_key"])["token"])
        assert (
            client.get(f"{BASE}/document/{mine['id']}", headers=headers(other)).status_code == 404
        )
        assert client.get(f"{BASE}/document", headers=headers(other)).json() == []
