"""The Alchemite dataset and model routes over HTTP: statuses, envelopes, content types."""

from __future__ import annotations

import base64
import time
import uuid

import pytest
from fastapi.testclient import TestClient

from modelyard.core.identity.schemas import TokenIssued
from modelyard.settings import Settings

TOKEN = "/v0/auth/realms/master/protocol/openid-connect/token"
META = {"name": "d", "rowCount": 2, "columnHeaders": ["a", "b"], "descriptorColumns": [1, 0]}


@pytest.fixture
def auth(client: TestClient, admin_token: TokenIssued) -> dict[str, str]:
    raw = base64.b64encode(f"modelyard:{admin_token.token}".encode()).decode()
    response = client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {raw}"}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def model(client: TestClient, auth: dict[str, str]) -> str:
    response = client.post(
        "/v0/models", json={"name": "m", "trainingMethod": "alchemite"}, headers=auth
    )
    assert response.status_code == 201
    model_id = response.json()
    assert isinstance(model_id, str)
    uuid.UUID(model_id)
    return model_id


@pytest.fixture
def uploading(client: TestClient, auth: dict[str, str], model: str) -> str:
    response = client.post(f"/v0/models/{model}/dataset", json=META, headers=auth)
    assert response.status_code == 201
    return model


def put_chunk(client: TestClient, auth: dict[str, str], model: str, n: int, body: str) -> int:
    headers = {**auth, "Content-Type": "text/csv"}
    return client.put(
        f"/v0/models/{model}/dataset/chunks/{n}", content=body.encode(), headers=headers
    ).status_code


def envelope(response: object, status: int) -> str:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"status", "title", "detail", "type"}
    assert body["status"] == status
    detail: str = body["detail"]
    return detail


class TestModels:
    def test_the_model_has_the_clients_required_fields(
        self, client: TestClient, auth: dict[str, str], model: str
    ) -> None:
        body = client.get(f"/v0/models/{model}", headers=auth).json()
        assert body["name"] == "m"
        assert body["status"] == "new"
        assert isinstance(body["createdAt"], int)
        assert "trainingDatasetId" not in body
        assert None not in body.values()

    def test_delete_is_204_with_a_content_type_even_for_a_bodiless_delete(
        self, client: TestClient, auth: dict[str, str], model: str
    ) -> None:
        response = client.request("DELETE", f"/v0/models/{model}", content=b"{}", headers=auth)
        assert response.status_code == 204
        assert response.headers["content-type"]
        envelope(client.get(f"/v0/models/{model}", headers=auth), 404)

    def test_a_malformed_id_is_400_and_an_unknown_one_404(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        assert "UUID" in envelope(client.get("/v0/models/123", headers=auth), 400)
        envelope(client.get(f"/v0/models/{uuid.uuid4()}", headers=auth), 404)
        envelope(client.get(f"/v0/models/{uuid.uuid4()}/dataset", headers=auth), 404)

    def test_an_unknown_training_method_is_400(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        response = client.post(
            "/v0/models", json={"name": "m", "trainingMethod": "x"}, headers=auth
        )
        assert "trainingMethod" in envelope(response, 400)

    def test_predicting_with_an_untrained_model_is_409(
        self, client: TestClient, auth: dict[str, str], model: str
    ) -> None:
        response = client.put(
            f"/v0/models/{model}/predict", json={"data": ",a\nr,1\n"}, headers=auth
        )
        envelope(response, 409)


class TestChunks:
    def test_an_unterminated_quote_is_400_naming_the_line(
        self, client: TestClient, auth: dict[str, str], uploading: str
    ) -> None:
        headers = {**auth, "Content-Type": "text/csv"}
        response = client.put(
            f"/v0/models/{uploading}/dataset/chunks/0",
            content=b',a,b\nr1,1,2\nr2,"3,4\nr3,5,6\n',
            headers=headers,
        )
        assert "line 3" in envelope(response, 400)
        assert client.get(f"/v0/models/{uploading}/dataset/chunks", headers=auth).json() == []

    def test_a_ragged_row_is_400_naming_the_line(
        self, client: TestClient, auth: dict[str, str], uploading: str
    ) -> None:
        headers = {**auth, "Content-Type": "text/csv"}
        response = client.put(
            f"/v0/models/{uploading}/dataset/chunks/0",
            content=b",a,b\nr1,1,2\nr2,3,4\nr3,5\n",
            headers=headers,
        )
        assert "line 4" in envelope(response, 400)

    def test_a_conflict_is_409_and_the_upload_stays_as_it_was(
        self, client: TestClient, auth: dict[str, str], uploading: str
    ) -> None:
        assert put_chunk(client, auth, uploading, 0, ",a,b\nr1,1,2\n") == 201
        assert put_chunk(client, auth, uploading, 1, ",a,b\nr1,1,3\n") == 201
        detail = envelope(
            client.post(f"/v0/models/{uploading}/dataset/uploaded", headers=auth), 409
        )
        assert "row 'r1'" in detail
        assert "'2' vs '3'" in detail
        dataset = client.get(f"/v0/models/{uploading}/dataset", headers=auth).json()
        assert dataset["status"] == "uploading"
        chunks = client.get(f"/v0/models/{uploading}/dataset/chunks", headers=auth).json()
        assert [c["chunkNumber"] for c in chunks] == [0, 1]

    def test_collation_ends_uploaded_and_closes_the_chunk_routes(
        self, client: TestClient, auth: dict[str, str], uploading: str
    ) -> None:
        put_chunk(client, auth, uploading, 0, ",a,b\nr1,1,2\n")
        put_chunk(client, auth, uploading, 1, ",a,b\nr2,3,\n")
        response = client.post(f"/v0/models/{uploading}/dataset/uploaded", json={}, headers=auth)
        assert response.status_code == 200
        assert response.headers["content-type"]
        deadline = time.monotonic() + 30
        while (
            client.get(f"/v0/models/{uploading}/dataset", headers=auth).json()["status"]
            != "uploaded"
        ):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        envelope(client.get(f"/v0/models/{uploading}/dataset/chunks", headers=auth), 404)
        envelope(client.post(f"/v0/models/{uploading}/dataset/uploaded", headers=auth), 404)
        download = client.get(
            f"/v0/models/{uploading}/dataset/download",
            headers={**auth, "Accept": "application/json"},
        )
        assert download.headers["content-type"].startswith("text/csv")
        assert download.text.splitlines()[1:] == ['"r1",1,2', '"r2",3,']

    def test_a_refused_chunk_leaves_no_file_behind(
        self, client: TestClient, auth: dict[str, str], uploading: str, settings: Settings
    ) -> None:
        assert put_chunk(client, auth, uploading, 0, ",a,b\nr1,1,2\n") == 201
        artifacts = settings.data_dir / "artifacts"
        before = sorted(p for p in artifacts.rglob("*") if p.is_file())
        headers = {**auth, "Content-Type": "text/csv"}
        for body in (b",a,b\nr2,\xff,2\n", b",a,b\nr2,1\n", b""):
            response = client.put(
                f"/v0/models/{uploading}/dataset/chunks/1", content=body, headers=headers
            )
            envelope(response, 400)
        assert sorted(p for p in artifacts.rglob("*") if p.is_file()) == before
        assert not list((artifacts / ".staging").iterdir())

    def test_a_refused_token_is_401_before_the_body_is_written(
        self, client: TestClient, uploading: str, settings: Settings
    ) -> None:
        headers = {"Authorization": "Bearer not-a-token", "Content-Type": "text/csv"}
        response = client.put(
            f"/v0/models/{uploading}/dataset/chunks/0", content=b",a,b\nr1,1,2\n", headers=headers
        )
        envelope(response, 401)
        assert not (settings.data_dir / "artifacts" / ".staging").exists()

    def test_chunk_numbers_are_from_zero(
        self, client: TestClient, auth: dict[str, str], uploading: str
    ) -> None:
        headers = {**auth, "Content-Type": "text/csv"}
        response = client.put(
            f"/v0/models/{uploading}/dataset/chunks/-1", content=b",a,b\nr,1,2\n", headers=headers
        )
        envelope(response, 400)


class TestInlineData:
    def test_a_lone_surrogate_is_400_naming_the_line(
        self, client: TestClient, auth: dict[str, str], model: str
    ) -> None:
        body = (
            '{"name": "d", "rowCount": 1, "columnHeaders": ["a"], "descriptorColumns": [0], '
            '"data": ",a\\nr\\ud800,1\\n"}'
        )
        response = client.post(
            f"/v0/models/{model}/dataset",
            content=body.encode(),
            headers={**auth, "Content-Type": "application/json"},
        )
        assert "line 2" in envelope(response, 400)


class TestTrainingDataset:
    def test_switching_to_an_unknown_or_malformed_dataset(
        self, client: TestClient, auth: dict[str, str], model: str
    ) -> None:
        url = f"/v0/models/{model}/dataset"
        envelope(client.put(url, json={"trainingDatasetId": str(uuid.uuid4())}, headers=auth), 404)
        envelope(client.put(url, json={"trainingDatasetId": "nope"}, headers=auth), 400)

    def test_wrong_length_descriptor_columns_is_400(
        self, client: TestClient, auth: dict[str, str], model: str
    ) -> None:
        body = {**META, "descriptorColumns": [1, 0, 0]}
        response = client.post(f"/v0/models/{model}/dataset", json=body, headers=auth)
        assert "descriptorColumns" in envelope(response, 400)

    def test_a_missing_required_field_is_400(
        self, client: TestClient, auth: dict[str, str], model: str
    ) -> None:
        body = {k: v for k, v in META.items() if k != "rowCount"}
        response = client.post(f"/v0/models/{model}/dataset", json=body, headers=auth)
        assert "rowCount" in envelope(response, 400)
