"""Records in bulk (``POST /id/{model_id}/records/bulk``, ndjson): the single add's fields and
rules line by line, all or nothing: a bad line is a 400 naming its line and field, a duplicate
(in the body or already stored) a 409 naming the record, and either leaves nothing behind."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.registry import (
    BASE,
    add_record,
    add_records,
    create_model,
    is_error_envelope,
    lines,
    record_form,
    validation_keys,
)

H = dict[str, str]


@pytest.fixture
def model(client: TestClient, headers: H) -> dict[str, Any]:
    return create_model(client, headers, model_name="Bulk")


def ndjson(*records: dict[str, Any]) -> bytes:
    return "".join(json.dumps(record) + "\n" for record in records).encode()


def record(hour: int, **fields: Any) -> dict[str, Any]:
    return {
        "timestamp": f"2024-05-01T{hour:02d}:00:00",
        "model_data": {"hour": hour},
        "site_name": "north",
        **fields,
    }


def stored(client: TestClient, headers: H, model_id: str) -> list[dict[str, Any]]:
    response = client.get(f"{BASE}/id/{model_id}/records", headers=headers)
    assert response.status_code == 200, response.text
    return lines(response)


def names(client: TestClient, headers: H, model_id: str, what: str) -> list[str]:
    response = client.get(f"{BASE}/id/{model_id}/{what}", headers=headers)
    if response.status_code == 404:  # the registry's lists answer 404 when empty
        return []
    return sorted(item[f"{what[:-1]}_name"] for item in response.json())


class TestBulkAdd:
    def test_adds_every_line_with_the_single_adds_defaults(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        body = ndjson(
            record(0),
            record(1, experiment_name="E1", dataset_name="A", record_info={"k": 1}),
            record(2, collection_date="2024-04-30", season_name="2024"),
        )
        response = add_records(client, headers, model["id"], body)
        assert response.status_code == 201, response.text
        answer = response.json()
        assert answer["records_added"] == 3
        records = stored(client, headers, model["id"])
        assert [r["id"] for r in records] == answer["record_ids"]
        first, second, third = records
        assert first["dataset_name"] == "Bulk Dataset 2024-05-01"
        assert first["collection_date"] == "2024-05-01"
        assert first["site_name"] == "north"
        assert (second["dataset_name"], second["experiment_name"]) == ("A", "E1")
        assert second["record_info"] == {"k": 1}
        assert (third["collection_date"], third["season_name"]) == ("2024-04-30", "2024")
        assert third["dataset_name"] == "Bulk Dataset 2024-04-30"
        assert names(client, headers, model["id"], "experiments") == ["E1"]
        single = client.get(f"{BASE}/records/id/{answer['record_ids'][1]}", headers=headers)
        assert single.json()["model_data"] == {"hour": 1}

    def test_a_record_of_a_bulk_add_is_a_duplicate_for_the_single_add(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        assert add_records(client, headers, model["id"], ndjson(record(5))).status_code == 201
        form = record_form("2024-05-01T05:00:00", {"other": True}, site_name="north")
        again = add_record(client, headers, model["id"], form)
        assert again.status_code == 409
        assert is_error_envelope(again)

    def test_blank_lines_and_crlf_are_accepted_and_lines_counted(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        body = b"\r\n" + ndjson(record(0)).replace(b"\n", b"\r\n") + b"\n" + ndjson(record(1))
        response = add_records(client, headers, model["id"], body)
        assert response.status_code == 201, response.text
        assert response.json()["records_added"] == 2

    def test_the_lines_may_come_as_plain_text(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        response = client.post(
            f"{BASE}/id/{model['id']}/records/bulk",
            content=ndjson(record(0), record(1)),
            headers={**headers, "Content-Type": "text/plain"},
        )
        assert response.status_code == 201, response.text
        assert len(stored(client, headers, model["id"])) == 2

    def test_the_document_describes_the_body_and_the_answer(self, client: TestClient) -> None:
        document = client.get(f"{BASE}/openapi.json").json()
        operation = document["paths"]["/id/{model_id}/records/bulk"]["post"]
        content = operation["requestBody"]["content"]
        assert set(content) == {"application/ndjson", "text/plain"}
        line = content["application/ndjson"]["x-ndjson-line"]
        assert line["required"] == ["timestamp", "model_data"]
        assert {"201", "400", "404", "409", "413"} <= set(operation["responses"])

    def test_an_unknown_model_is_404(self, client: TestClient, headers: H) -> None:
        missing = "00000000-0000-0000-0000-000000000000"
        response = add_records(client, headers, missing, ndjson(record(0)))
        assert response.status_code == 404
        assert is_error_envelope(response)

    def test_without_a_token_is_401(self, client: TestClient, model: dict[str, Any]) -> None:
        assert add_records(client, {}, model["id"], ndjson(record(0))).status_code == 401


class TestAllOrNothing:
    def test_a_duplicate_inside_the_body_adds_nothing_and_names_the_record(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        body = ndjson(record(0, experiment_name="New"), record(1), record(2), record(1))
        response = add_records(client, headers, model["id"], body)
        assert response.status_code == 409, response.text
        assert is_error_envelope(response)
        error = response.json()
        assert error["error"] == "Duplicate record"
        described = error["error_description"]
        assert "line 4" in described
        assert "line 2" in described
        assert "timestamp 2024-05-01T01:00:00" in described
        assert "site 'north'" in described
        assert stored(client, headers, model["id"]) == []
        assert names(client, headers, model["id"], "experiments") == []
        assert names(client, headers, model["id"], "datasets") == []

    def test_a_record_already_stored_adds_nothing_and_names_the_record(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        form = record_form("2024-05-01T03:00:00", {"first": True}, site_name="north")
        assert add_record(client, headers, model["id"], form).status_code == 201
        body = ndjson(*(record(hour) for hour in range(6)))
        response = add_records(client, headers, model["id"], body)
        assert response.status_code == 409, response.text
        described = response.json()["error_description"]
        assert "line 4" in described
        assert "timestamp 2024-05-01T03:00:00" in described
        assert "already exists" in described
        assert [r["model_data"] for r in stored(client, headers, model["id"])] == [{"first": True}]

    def test_the_same_moment_at_another_site_is_not_a_duplicate(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        body = ndjson(record(0), record(0, site_name="south"))
        assert add_records(client, headers, model["id"], body).status_code == 201
        assert len(stored(client, headers, model["id"])) == 2

    @pytest.mark.parametrize(
        ("line", "key"),
        [
            ({"model_data": {"a": 1}, "site_name": "x"}, "line 2.timestamp"),
            ({"timestamp": "yesterday", "model_data": {}, "site_name": "x"}, "line 2.timestamp"),
            (
                {"timestamp": "9999-12-31T23:00:00-16:00", "model_data": {}, "site_name": "x"},
                "line 2.timestamp",
            ),
            ({"timestamp": "2024-05-01T00:00:00", "site_name": "x"}, "line 2.model_data"),
            (
                {"timestamp": "2024-05-01T00:00:00", "model_data": [1], "site_name": "x"},
                "line 2.model_data",
            ),
            (
                {"timestamp": "2024-05-01T00:00:00", "model_data": {}, "site_name": "x" * 256},
                "line 2.site_name",
            ),
            (
                {"timestamp": "2024-05-01T00:00:00", "model_data": {}, "record_file": "a.txt"},
                "line 2.record_file",
            ),
            ({"timestamp": "2024-05-01T00:00:00", "model_data": {}}, "line 2.experiment_name"),
        ],
    )
    def test_an_invalid_line_is_400_naming_the_line_and_field_and_adds_nothing(
        self,
        client: TestClient,
        headers: H,
        model: dict[str, Any],
        line: dict[str, Any],
        key: str,
    ) -> None:
        body = ndjson(record(0, experiment_name="Fresh"), line, record(2))
        response = add_records(client, headers, model["id"], body)
        assert response.status_code == 400, response.text
        assert validation_keys(response) == [key]
        assert response.json()["detail"].startswith("line 2: ")
        assert stored(client, headers, model["id"]) == []
        assert names(client, headers, model["id"], "experiments") == []

    def test_a_line_that_is_not_json_is_400_naming_the_line(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        body = ndjson(record(0)) + b"{not json\n"
        response = add_records(client, headers, model["id"], body)
        assert response.status_code == 400
        assert validation_keys(response) == ["line 2"]
        assert stored(client, headers, model["id"]) == []

    def test_an_empty_body_is_400(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        response = add_records(client, headers, model["id"], b"\n")
        assert response.status_code == 400
        assert validation_keys(response) == ["body"]
