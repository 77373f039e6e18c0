"""Search and filter stream ndjson: one object per line, nulls omitted, no Content-Length,
an empty 200 when nothing matches, the time window inclusive and only with both ends."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelyard.core.tracking import record_stream
from tests.support.registry import (
    BASE,
    add_record,
    add_records,
    create_model,
    lines,
    record_form,
)

H = dict[str, str]
SITES = ["north", "south"]


@pytest.fixture
def model(client: TestClient, headers: H) -> dict[str, Any]:
    """A model with 12 records: hours 00..11 of 2024-05-01, sites alternating, the first six
    in experiment E1 (dataset A), the rest in E2 (dataset B), season 2024 on even hours."""
    created = create_model(client, headers, model_name="Streamed")
    for hour in range(12):
        fields: dict[str, Any] = {
            "site_name": SITES[hour % 2],
            "experiment_name": "E1" if hour < 6 else "E2",
            "dataset_name": "A" if hour < 6 else "B",
        }
        if hour % 2 == 0:
            fields["season_name"] = "2024"
        form = record_form(f"2024-05-01T{hour:02d}:00:00", {"hour": hour}, **fields)
        assert add_record(client, headers, created["id"], form).status_code == 201
    return created


def hours(client: TestClient, headers: H, path: str, params: Any = None) -> list[int]:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [r["model_data"]["hour"] for r in lines(response)]


class TestSearch:
    def test_streams_every_record_in_time_order(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        response = client.get(f"{BASE}/id/{model['id']}/records", headers=headers)
        assert response.headers["content-type"] == "application/ndjson"
        assert "content-length" not in response.headers
        assert response.text.endswith("\n")
        records = lines(response)
        assert [r["model_data"]["hour"] for r in records] == list(range(12))
        odd = records[1]
        assert "season_name" not in odd
        assert "season_id" not in odd
        assert "record_file" not in odd
        assert null_free(records)

    def test_filters_by_names_and_collection_date(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        path = f"{BASE}/id/{model['id']}/records/"
        assert hours(client, headers, path, {"site_name": "north"}) == [0, 2, 4, 6, 8, 10]
        assert hours(client, headers, path, {"experiment_name": "E2", "site_name": "south"}) == [
            7,
            9,
            11,
        ]
        assert hours(client, headers, path, {"season_name": "2024", "experiment_name": "E1"}) == [
            0,
            2,
            4,
        ]
        assert hours(client, headers, path, {"collection_date": "2024-05-01"}) == list(range(12))
        assert hours(client, headers, path, {"collection_date": "2024-05-02"}) == []

    def test_an_empty_result_is_an_empty_200(self, client: TestClient, headers: H) -> None:
        empty = create_model(client, headers)
        response = client.get(f"{BASE}/id/{empty['id']}/records", headers=headers)
        assert (response.status_code, response.content) == (200, b"")
        filtered = client.get(f"{BASE}/id/{empty['id']}/records/filter", headers=headers)
        assert (filtered.status_code, filtered.content) == (200, b"")


class TestFilter:
    def test_the_window_is_inclusive(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        window = {"start_timestamp": "2024-05-01T03:00:00", "end_timestamp": "2024-05-01T07:00:00"}
        assert hours(client, headers, f"{BASE}/id/{model['id']}/records/filter", window) == [
            3,
            4,
            5,
            6,
            7,
        ]

    def test_the_window_takes_offsets(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        window = {
            "start_timestamp": "2024-05-01T02:00:00+02:00",
            "end_timestamp": "2024-05-01T01:00:00Z",
        }
        assert hours(client, headers, f"{BASE}/id/{model['id']}/records/filter", window) == [0, 1]

    def test_one_end_alone_is_ignored(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        path = f"{BASE}/id/{model['id']}/records/filter"
        assert hours(client, headers, path, {"start_timestamp": "2024-05-01T10:00:00"}) == list(
            range(12)
        )
        assert hours(client, headers, path, {"end_timestamp": "2024-05-01T01:00:00"}) == list(
            range(12)
        )

    def test_lists_repeat_the_key(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        path = f"{BASE}/id/{model['id']}/records/filter/"
        params = [("dataset_names", "A"), ("dataset_names", "B"), ("site_names", "south")]
        assert hours(client, headers, path, params) == [1, 3, 5, 7, 9, 11]
        params = [("experiment_names", "E1"), ("season_names", "2024"), ("season_names", "x")]
        assert hours(client, headers, path, params) == [0, 2, 4]
        assert hours(client, headers, path, [("site_names", "nowhere")]) == []

    def test_a_malformed_timestamp_is_400(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        response = client.get(
            f"{BASE}/id/{model['id']}/records/filter",
            params={"start_timestamp": "soon", "end_timestamp": "2024-05-01T00:00:00"},
            headers=headers,
        )
        assert response.status_code == 400
        assert [e["key"] for e in response.json()["extra"]] == ["start_timestamp"]

    def test_offsets_postgresql_cannot_hold_are_moved_to_utc(
        self, client: TestClient, headers: H, model: dict[str, Any]
    ) -> None:
        """PostgreSQL holds offsets up to ±15:59; Python's go to ±23:59 (the fuzzer's
        ``-16:00`` once broke the stream after its 200 was sent)."""
        window = {
            "start_timestamp": "2024-05-01T18:00:00+16:00",  # 02:00 UTC
            "end_timestamp": "2024-04-30T13:00:00-16:00",  # 05:00 UTC
        }
        path = f"{BASE}/id/{model['id']}/records/filter"
        assert hours(client, headers, path, window) == [2, 3, 4, 5]

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            ("0001-01-01T00:30:00+16:00", "2024-05-01T00:00:00"),
            ("2024-05-01", "9999-12-31T23:00:00-16:00"),
        ],
    )
    def test_a_moment_utc_cannot_hold_is_400_naming_it(
        self, client: TestClient, headers: H, model: dict[str, Any], start: str, end: str
    ) -> None:
        response = client.get(
            f"{BASE}/id/{model['id']}/records/filter",
            params={"start_timestamp": start, "end_timestamp": end},
            headers=headers,
        )
        assert response.status_code == 400, response.text
        named = "start_timestamp" if start.startswith("0001") else "end_timestamp"
        assert [e["key"] for e in response.json()["extra"]] == [named]
        assert "UTC" in response.json()["detail"]


def null_free(records: list[dict[str, Any]]) -> bool:
    return all(value is not None for record in records for value in record.values())


class TestAwkwardValues:
    def test_quotes_unicode_and_nested_nulls_stream_back_as_sent(
        self, client: TestClient, headers: H
    ) -> None:
        created = create_model(client, headers, model_name='Model "Ω"')
        data = {"text": 'a "quoted"\nline ✓', "list": [1, None, {"x": None}], "n": 1.5e-7}
        form = record_form(
            "2024-05-01T10:00:00.123456",
            data,
            site_name="Site\\Été",
            dataset_name='DS "1"',
            record_info={"é": None},
        )
        added = add_record(client, headers, created["id"], form)
        assert added.status_code == 201, added.text
        [streamed] = lines(client.get(f"{BASE}/id/{created['id']}/records", headers=headers))
        assert streamed["model_data"] == data
        assert streamed["record_info"] == {"é": None}
        assert streamed["timestamp"] == "2024-05-01T10:00:00.123456"
        assert (streamed["site_name"], streamed["dataset_name"]) == ("Site\\Été", 'DS "1"')
        assert streamed["model_name"] == 'Model "Ω"'
        single = client.get(f"{BASE}/records/id/{streamed['id']}", headers=headers).json()
        assert {k: v for k, v in single.items() if v is not None} == streamed


class TestResumeByWindow:
    """A client whose download broke off asks again from the last timestamp it read: with the
    window inclusive, records at that moment come again (it drops the ids it has), and none is
    skipped, across the server's batches."""

    def test_an_interrupted_stream_resumes_from_its_last_timestamp(
        self, client: TestClient, headers: H, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(record_stream, "BATCH", 4)
        created = create_model(client, headers, model_name="Resumed")
        body = "".join(
            json.dumps(
                {
                    "timestamp": f"2024-05-01T{i // 3:02d}:00:00",  # runs of three alike
                    "model_data": {"i": i},
                    "site_name": f"site {i}",
                }
            )
            + "\n"
            for i in range(30)
        )
        added = add_records(client, headers, created["id"], body)
        assert added.status_code == 201, added.text
        path = f"{BASE}/id/{created['id']}/records"
        first: list[dict[str, Any]] = []
        with client.stream("GET", path, headers=headers) as response:
            for text in response.iter_lines():
                first.append(json.loads(text))
                if len(first) == 13:  # mid-run (the 5th moment) and mid-batch: break off
                    break
        last = first[-1]["timestamp"]
        window = {"start_timestamp": last, "end_timestamp": "2100-01-01T00:00:00"}
        rest = lines(client.get(f"{path}/filter", params=window, headers=headers))
        assert rest[0]["timestamp"] == last
        seen = {record["id"] for record in first}
        again = [record for record in rest if record["id"] in seen]
        assert [record["timestamp"] for record in again] == [last] * len(again)
        whole = first + [record for record in rest if record["id"] not in seen]
        assert sorted(record["model_data"]["i"] for record in whole) == list(range(30))
        complete = lines(client.get(path, headers=headers))
        assert [record["id"] for record in whole] == [record["id"] for record in complete]
