"""Jobs over HTTP: a held job seen through the application's and the admin's job routes,
statuses, start and cancel, and a developer who cannot see another application's job."""

from __future__ import annotations

from fastapi.testclient import TestClient

from modelyard.core.identity.schemas import TokenIssued
from tests.api.leia.test_auth_and_models import BASE, create_model, headers, login


def _held_job(client: TestClient, token: str, app_id: str) -> str:
    model = create_model(client, token, app_id)
    document = client.post(
        f"{BASE}/document", params={"filename": "a.txt"}, content=b"a b", headers=headers(token)
    ).json()
    url = f"{BASE}/admin/{app_id}/model/{model['id']}/apply/{document['id']}"
    job = client.post(url, json={"block_processing": True}, headers=headers(token))
    assert job.status_code == 200, job.text
    assert job.json()["status"] == "BLOCKED"
    job_id: str = job.json()["id"]
    return job_id


class TestAdminJobs:
    def test_list_get_statuses_and_cancel(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        answer = login(client, admin_token.token)
        token, app_id = str(answer["token"]), str(answer["application"]["id"])  # type: ignore[index]
        job_id = _held_job(client, token, app_id)
        listed = client.get(
            f"{BASE}/admin/job", params={"status": "BLOCKED"}, headers=headers(token)
        )
        assert [j["id"] for j in listed.json()] == [job_id]
        assert listed.headers["Content-Range"] == "0-0/1"
        got = client.get(f"{BASE}/admin/{app_id}/job/{job_id}", headers=headers(token))
        assert got.json()["document_ids"]
        assert got.json()["job_type"] == "predict"
        statuses = client.get(f"{BASE}/admin/{app_id}/job/{job_id}/status", headers=headers(token))
        assert statuses.json() == {job_id: "BLOCKED"}
        cancelled = client.delete(f"{BASE}/admin/{app_id}/job/{job_id}", headers=headers(token))
        assert cancelled.status_code == 204
        after = client.get(f"{BASE}/job/{job_id}", headers=headers(token)).json()
        assert after["status"] == "CANCELED"
        assert after["finished_time"] is not None

    def test_another_application_cannot_see_the_job(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        answer = login(client, admin_token.token)
        token, app_id = str(answer["token"]), str(answer["application"]["id"])  # type: ignore[index]
        job_id = _held_job(client, token, app_id)
        body = {
            "application_name": "other",
            "application_type": "admin",
            "email": "o@example.com",
            "first_name": "O",
            "last_name": "Ther",
        }
        key = client.post(f"{BASE}/admin/application", json=body, headers=headers(token))
        other = str(login(client, key.json()["api_key"])["token"])
        assert client.get(f"{BASE}/job/{job_id}", headers=headers(other)).status_code == 404
        assert client.delete(f"{BASE}/job/{job_id}", headers=headers(other)).status_code == 404
        unknown = client.get(f"{BASE}/admin/nobody/job/{job_id}", headers=headers(other))
        assert unknown.status_code == 404
        assert unknown.json()["field"] == "application_id"


class TestApplications:
    def test_reset_api_key_ends_the_old_key_and_its_logins(
        self, client: TestClient, admin_token: TokenIssued
    ) -> None:
        token = str(login(client, admin_token.token)["token"])
        body = {
            "application_name": "rotating",
            "application_type": "developer",
            "email": "r@example.com",
            "first_name": "R",
            "last_name": "Otating",
        }
        created = client.post(f"{BASE}/admin/application", json=body, headers=headers(token))
        app_id, old_key = created.json()["id"], created.json()["api_key"]
        old_login = str(login(client, old_key)["token"])
        listed = client.get(f"{BASE}/admin/application", headers=headers(token))
        assert app_id in [a["id"] for a in listed.json()]
        reset = client.post(
            f"{BASE}/admin/application/{app_id}/reset_api_key", json={}, headers=headers(token)
        )
        assert reset.status_code == 200
        assert reset.json()["api_key"] != old_key
        assert client.get(f"{BASE}/login/{old_key}").status_code == 401
        assert client.get(f"{BASE}/whoami", headers=headers(old_login)).status_code == 401
        assert client.get(f"{BASE}/login/{reset.json()['api_key']}").status_code == 200
