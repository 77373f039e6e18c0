"""Records at /api/models: the multipart form, defaults, uniqueness, single-record routes, the
ndjson streams and the file link."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from modelyard.core import links
from modelyard.core.secrets import SecretBox
from tests.support.registry import (
    BASE,
    add_record,
    create_model,
    is_error_envelope,
    lines,
    record_form,
    validation_keys,
)

H = dict[str, str]


@pytest.fixture
def model(client: TestClient, headers: H) -> dict[str, Any]:
    return create_model(client, headers, model_name="Yield")


def added(client: TestClient, headers: H, model_id: str, **fields: Any) -> dict[str, Any]:
    timestamp = fields.pop("timestamp", "2024-05-01T10:00:00")
    data = fields.pop("model_data", {"score": 0.5})
    response = add_record(client, headers, model_id, record_form(timestamp, data, **fields))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class TestAddRecord:
    def test_answers_201_with_the_record_and_the_defaults(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        record = added(client, headers, model["id"], site_name="Davis", record_info={"k": 1})
        assert uuid.UUID(record["id"])
        assert record["timestamp"] == "2024-05-01T10:00:00"
        assert record["collection_date"] == "2024-05-01"
        assert record["dataset_name"] == "Yield Dataset 2024-05-01"
        assert (record["model_id"], record["model_name"]) == (model["id"], "Yield")
        assert record["model_data"] == {"score": 0.5}
        assert record["site_name"] == "Davis"
        assert uuid.UUID(record["site_id"])
        assert record["experiment_id"] is None
        assert record["season_name"] is None
        assert record["record_info"] == {"k": 1}
        assert record["record_file"] is None

    def test_names_given_are_used_and_created(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        record = added(
            client,
            headers,
            model["id"],
            dataset_name="DS",
            experiment_name="Exp",
            season_name="2024",
            collection_date="2024-04-30",
        )
        assert (record["dataset_name"], record["experiment_name"]) == ("DS", "Exp")
        assert (record["season_name"], record["collection_date"]) == ("2024", "2024-04-30")
        datasets = client.get(f"{BASE}/id/{model['id']}/datasets", headers=headers).json()
        assert [d["dataset_name"] for d in datasets] == ["DS"]
        experiments = client.get(f"{BASE}/id/{model['id']}/experiments", headers=headers)
        assert [e["experiment_name"] for e in experiments.json()] == ["Exp"]

    def test_a_collection_date_may_come_as_a_datetime(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        record = added(
            client, headers, model["id"], site_name="s", collection_date="2024-04-30T15:30:00"
        )
        assert record["collection_date"] == "2024-04-30"
        found = client.get(
            f"{BASE}/id/{model['id']}/records",
            params={"collection_date": "2024-04-30T08:00:00"},
            headers=headers,
        )
        assert [r["id"] for r in lines(found)] == [record["id"]]

    def test_an_offset_is_converted_to_utc(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        record = added(
            client, headers, model["id"], site_name="s", timestamp="2024-05-01T12:00:00+02:00"
        )
        assert record["timestamp"] == "2024-05-01T10:00:00"

    def test_without_experiment_season_or_site_is_400(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        form = record_form("2024-05-01T10:00:00", {"a": 1}, dataset_name="d")
        response = add_record(client, headers, model["id"], form)
        assert response.status_code == 400
        assert validation_keys(response) == ["experiment_name"]

    @pytest.mark.parametrize("missing", ["timestamp", "model_data"])
    def test_without_a_required_field_is_400_naming_it(
        self, client: TestClient, headers: H, model: dict[str, Any], missing: str
    ) -> None:
        form = record_form("2024-05-01T10:00:00", {"a": 1}, site_name="s")
        del form[missing]
        response = add_record(client, headers, model["id"], form)
        assert response.status_code == 400
        assert validation_keys(response) == [missing]

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("timestamp", "yesterday"),
            ("timestamp", "0001-01-01T00:30:00+16:00"),  # before year 1 once in UTC
            ("model_data", "{oops"),
            ("model_data", "[1]"),
            ("record_info", "3"),
            ("collection_date", "May 1st"),
        ],
    )
    def test_a_malformed_field_is_400_naming_it(
        self, client: TestClient, headers: H, model: dict[str, Any], field: str, value: str
    ) -> None:
        form = record_form("2024-05-01T10:00:00", {"a": 1}, site_name="s")
        form[field] = value
        response = add_record(client, headers, model["id"], form)
        assert response.status_code == 400
        assert validation_keys(response) == [field]

    def test_a_duplicate_is_409_and_changes_nothing(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        added(client, headers, model["id"], site_name="s")
        again = add_record(
            client,
            headers,
            model["id"],
            record_form("2024-05-01T10:00:00", {"b": 2}, site_name="s"),
        )
        assert again.status_code == 409
        assert is_error_envelope(again)
        stream = client.get(f"{BASE}/id/{model['id']}/records", headers=headers)
        assert [r["model_data"] for r in lines(stream)] == [{"score": 0.5}]

    def test_another_site_is_not_a_duplicate(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        added(client, headers, model["id"], site_name="s")
        added(client, headers, model["id"], site_name="t")
        added(client, headers, model["id"], site_name="s", season_name="2024")

    def test_concurrent_duplicates_one_201_each_the_rest_409(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        senders = 12
        start = threading.Barrier(senders)
        answers: list[tuple[int, str]] = []

        def send(i: int) -> None:
            form = record_form(f"2024-05-01T10:00:0{i % 3}", {"sender": i}, site_name="new")
            start.wait()
            response = add_record(client, headers, model["id"], form)
            answers.append((response.status_code, response.text))

        with ThreadPoolExecutor(senders) as pool:
            list(pool.map(send, range(senders)))
        statuses = sorted(status for status, _ in answers)
        assert statuses == [201] * 3 + [409] * 9, answers
        assert all("already exists" in text for status, text in answers if status == 409)
        stream = client.get(f"{BASE}/id/{model['id']}/records", headers=headers)
        stored = lines(stream)
        assert sorted(r["timestamp"][:19] for r in stored) == [
            f"2024-05-01T10:00:0{i}" for i in range(3)
        ]
        assert {r["site_name"] for r in stored} == {"new"}
        assert len({r["site_id"] for r in stored}) == 1

    def test_an_unknown_model_is_404(self, client: TestClient, headers: H) -> None:
        form = record_form("2024-05-01T10:00:00", {"a": 1}, site_name="s")
        response = add_record(client, headers, str(uuid.uuid4()), form)
        assert response.status_code == 404
        assert is_error_envelope(response)


class TestOneRecord:
    def test_get_update_and_delete(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        record = added(client, headers, model["id"], site_name="s")
        path = f"{BASE}/records/id/{record['id']}"
        assert client.get(path, headers=headers).json() == record
        assert client.get(f"{path}/", headers=headers).json() == record
        patched = client.patch(path, json={"model_data": '{"score": 0.9}'}, headers=headers)
        assert patched.status_code == 200
        assert patched.json() == {**record, "model_data": {"score": 0.9}}
        info = client.patch(f"{path}/", json={"record_info": {"x": 1}}, headers=headers).json()
        assert (info["model_data"], info["record_info"]) == ({"score": 0.9}, {"x": 1})
        assert client.delete(path, headers=headers).status_code == 204
        assert client.get(path, headers=headers).status_code == 404

    def test_an_empty_update_is_400(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        record = added(client, headers, model["id"], site_name="s")
        response = client.patch(f"{BASE}/records/id/{record['id']}", json={}, headers=headers)
        assert response.status_code == 400
        assert validation_keys(response) == ["body"]

    def test_unknown_and_malformed_ids_are_404(self, client: TestClient, headers: H) -> None:
        for record_id in (str(uuid.uuid4()), "nope"):
            for method, suffix in (
                ("GET", ""),
                ("PATCH", ""),
                ("DELETE", ""),
                ("GET", "/download"),
            ):
                response = client.request(
                    method,
                    f"{BASE}/records/id/{record_id}{suffix}",
                    json={"record_info": {}},
                    headers=headers,
                    follow_redirects=False,
                )
                assert response.status_code == 404, (method, suffix)
                assert is_error_envelope(response)

    def test_download_without_a_file_is_404(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        record = added(client, headers, model["id"], site_name="s")
        response = client.get(
            f"{BASE}/records/id/{record['id']}/download", headers=headers, follow_redirects=False
        )
        assert response.status_code == 404
        assert is_error_envelope(response)


class TestRecordFiles:
    def test_download_redirects_to_the_exact_bytes(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        payload = bytes(range(256)) * 1000
        form = record_form("2024-05-01T10:00:00", {}, site_name="s")
        files = {"record_file": ("leaf scan.png", payload, "image/png")}
        response = add_record(client, headers, model["id"], form, files=files)
        assert response.status_code == 201, response.text
        record = response.json()
        assert record["record_file"].endswith("/leaf scan.png")
        redirect = client.get(
            f"{BASE}/records/id/{record['id']}/download", headers=headers, follow_redirects=False
        )
        assert redirect.status_code == 302
        location = redirect.headers["location"]
        assert "/api/models/files/" in location
        downloaded = client.get(location)
        assert downloaded.status_code == 200
        assert downloaded.content == payload
        assert downloaded.headers["content-type"] == "image/png"
        assert downloaded.headers["content-disposition"] == 'attachment; filename="leaf scan.png"'

    def test_the_type_is_guessed_when_the_client_sends_none(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        form = record_form("2024-05-01T10:00:00", {}, site_name="s")
        files = {"record_file": ("table.csv", b"a,b\n1,2\n", "application/octet-stream")}
        record = add_record(client, headers, model["id"], form, files=files).json()
        downloaded = client.get(f"{BASE}/records/id/{record['id']}/download", headers=headers)
        assert downloaded.content == b"a,b\n1,2\n"
        assert downloaded.headers["content-type"].startswith("text/csv")

    def test_a_forged_or_altered_link_is_404(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        form = record_form("2024-05-01T10:00:00", {}, site_name="s")
        record = add_record(
            client, headers, model["id"], form, files={"record_file": ("f.txt", b"x")}
        ).json()
        location = client.get(
            f"{BASE}/records/id/{record['id']}/download", headers=headers, follow_redirects=False
        ).headers["location"]
        token = location.rsplit("/", 1)[1]
        record_hex = uuid.UUID(record["id"]).hex
        server_box = client.app.state.context.box  # type: ignore[attr-defined]
        foreign_box = SecretBox(Fernet.generate_key().decode())
        for forged in (
            token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB"),
            links.seal_link(foreign_box, (record_hex,), lifetime=900),
            links.seal_link(server_box, (record_hex,), lifetime=-1),
            links.seal_link(server_box, (uuid.uuid4().hex,), lifetime=900),
            "garbage",
        ):
            response = client.get(f"{BASE}/files/{forged}")
            assert response.status_code == 404
            assert is_error_envelope(response)

    def test_deleting_the_record_ends_its_link(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        form = record_form("2024-05-01T10:00:00", {}, site_name="s")
        record = add_record(
            client, headers, model["id"], form, files={"record_file": ("f.txt", b"x")}
        ).json()
        location = client.get(
            f"{BASE}/records/id/{record['id']}/download", headers=headers, follow_redirects=False
        ).headers["location"]
        client.delete(f"{BASE}/records/id/{record['id']}", headers=headers)
        assert client.get(location).status_code == 404
