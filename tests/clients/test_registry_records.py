"""The registry over real HTTP, with httpx alone (the framework has no published client),
against a running ``modelyard serve`` on each backend: 2,000 records added and streamed back
intact, the filter window exact, a file downloaded byte for byte through the 302."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.registry import (
    BASE,
    add_record,
    bearer,
    create_model,
    lines,
    record_form,
    unique,
)
from tests.support.server import RunningServer

pytestmark = pytest.mark.slow
T0 = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
COUNT = 2000
SITES = ("Davis", "Fresno", "Merced")


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=bearer(server.token), timeout=120) as client:
        yield client


def at(minute: int) -> str:
    return (T0 + timedelta(minutes=minute)).replace(tzinfo=None).isoformat()


def without_nulls(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


@pytest.fixture(scope="module")
def added(server: RunningServer) -> tuple[str, list[dict[str, Any]]]:
    """2,000 records of one model, one request each, as a field logger would send them."""
    with httpx.Client(base_url=server.url, headers=bearer(server.token), timeout=120) as http:
        model = create_model(http, {}, model_name=unique("stream"))
        created = []
        for minute in range(COUNT):
            fields: dict[str, Any] = {"site_name": SITES[minute % 3]}
            if minute % 2:
                fields["experiment_name"] = "Exp odd"
            if minute % 5 == 0:
                fields["record_info"] = {"note": f"n{minute}", "ok": True}
            data = {"minute": minute, "scores": [minute / 7, None, "é"]}
            response = add_record(http, {}, model["id"], record_form(at(minute), data, **fields))
            assert response.status_code == 201, response.text
            created.append(response.json())
        return model["id"], created


class TestTwoThousandRecords:
    def test_search_streams_them_back_intact(
        self, http: httpx.Client, added: tuple[str, list[dict[str, Any]]]
    ) -> None:
        model_id, created = added
        with http.stream("GET", f"{BASE}/id/{model_id}/records") as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/ndjson"
            assert "content-length" not in response.headers
            body = response.read()
        streamed = [line for line in body.decode().split("\n") if line]
        assert len(streamed) == COUNT
        assert lines(response) == [without_nulls(r) for r in created]

    def test_the_filter_window_is_exact(
        self, http: httpx.Client, added: tuple[str, list[dict[str, Any]]]
    ) -> None:
        model_id, created = added
        params = {"start_timestamp": at(500), "end_timestamp": at(1499)}
        response = http.get(f"{BASE}/id/{model_id}/records/filter", params=params)
        assert [r["id"] for r in lines(response)] == [r["id"] for r in created[500:1500]]

    def test_filter_lists_and_the_window_together(
        self, http: httpx.Client, added: tuple[str, list[dict[str, Any]]]
    ) -> None:
        model_id, _ = added
        params: list[tuple[str, str | int | float | bool | None]] = [
            ("start_timestamp", at(10)),
            ("end_timestamp", at(40)),
            ("site_names", "Davis"),
            ("site_names", "Merced"),
            ("experiment_names", "Exp odd"),
        ]
        response = http.get(f"{BASE}/id/{model_id}/records/filter/", params=params)
        wanted = [m for m in range(10, 41) if m % 2 and SITES[m % 3] in ("Davis", "Merced")]
        assert [r["model_data"]["minute"] for r in lines(response)] == wanted

    def test_search_by_site_and_date(
        self, http: httpx.Client, added: tuple[str, list[dict[str, Any]]]
    ) -> None:
        model_id, created = added
        response = http.get(
            f"{BASE}/id/{model_id}/records",
            params={"site_name": "Fresno", "collection_date": "2024-06-01"},
        )
        expected = [
            r["id"]
            for r in created
            if r["site_name"] == "Fresno" and r["collection_date"] == "2024-06-01"
        ]
        assert 0 < len(expected) < COUNT / 3
        assert [r["id"] for r in lines(response)] == expected


class TestFileDownload:
    def test_a_file_record_downloads_byte_for_byte(
        self, http: httpx.Client, server: RunningServer
    ) -> None:
        model = create_model(http, {})
        payload = os.urandom(3 * 1024 * 1024 + 17)
        form = record_form(at(0), {"kind": "scan"}, site_name="Davis")
        files = {"record_file": ("plot 7.tif", payload, "image/tiff")}
        record = add_record(http, {}, model["id"], form, files=files).json()
        redirect = http.get(f"{BASE}/records/id/{record['id']}/download")
        assert redirect.status_code == 302
        with httpx.Client(timeout=120) as anonymous:  # the link alone is the credential
            downloaded = anonymous.get(redirect.headers["location"])
        assert downloaded.status_code == 200
        assert downloaded.content == payload
        assert downloaded.headers["content-type"] == "image/tiff"
        assert downloaded.headers["content-length"] == str(len(payload))
        assert downloaded.headers["content-disposition"] == 'attachment; filename="plot 7.tif"'
        followed = http.get(f"{BASE}/records/id/{record['id']}/download", follow_redirects=True)
        assert followed.content == payload

    def test_a_name_beyond_ascii_also_comes_as_filename_star(self, http: httpx.Client) -> None:
        model = create_model(http, {})
        form = record_form(at(0), {"kind": "table"}, site_name="Davis")
        files = {"record_file": ("señal 2.csv", b"a,b\n", "text/csv")}
        record = add_record(http, {}, model["id"], form, files=files).json()
        downloaded = http.get(f"{BASE}/records/id/{record['id']}/download", follow_redirects=True)
        assert downloaded.content == b"a,b\n"
        assert downloaded.headers["content-disposition"] == (
            "attachment; filename=\"senal 2.csv\"; filename*=UTF-8''se%C3%B1al%202.csv"
        )


class TestEveryEndpoint:
    def test_each_of_the_18_answers_over_http(self, http: httpx.Client) -> None:
        name = unique("walk")
        made = http.post(BASE, json={"model_name": name, "experiment_name": "E"})
        assert made.status_code == 201
        model_id = made.json()["id"]
        base = f"{BASE}/id/{model_id}"
        assert http.get(f"{BASE}/all").status_code == 200
        assert [m["id"] for m in http.get(BASE, params={"model_name": name}).json()] == [model_id]
        assert http.get(base).json()["model_name"] == name
        assert http.patch(base, json={"model_info": {"v": 2}}).json()["model_info"] == {"v": 2}
        assert http.get(f"{base}/experiments").json()[0]["experiment_name"] == "E"
        assert http.post(f"{base}/runs", json={"model_run_info": {"a": 1}}).status_code == 201
        assert len(http.get(f"{base}/runs/").json()) == 1
        assert http.post(f"{base}/datasets", json={"dataset_name": unique("d")}).status_code == 201
        assert len(http.get(f"{base}/datasets").json()) == 1
        record = add_record(http, {}, model_id, record_form(at(1), {"x": 1}, season_name="S"))
        record_id = record.json()["id"]
        assert len(lines(http.get(f"{base}/records"))) == 1
        assert len(lines(http.get(f"{base}/records/filter"))) == 1
        one = f"{BASE}/records/id/{record_id}"
        assert http.get(one).json()["season_name"] == "S"
        assert http.patch(one, json={"record_info": {"k": 1}}).json()["record_info"] == {"k": 1}
        assert http.get(f"{one}/download").status_code == 404
        assert http.delete(one).status_code == 204
        assert http.delete(base).status_code == 204
        assert http.get(base).status_code == 404


class TestConcurrentAdds:
    def test_new_names_from_parallel_requests_are_created_once(self, server: RunningServer) -> None:
        with httpx.Client(base_url=server.url, headers=bearer(server.token), timeout=120) as http:
            model = create_model(http, {})
        site = unique("site")

        def send(minute: int) -> int:
            with httpx.Client(
                base_url=server.url, headers=bearer(server.token), timeout=120
            ) as client:
                form = record_form(at(minute), {"m": minute}, site_name=site, season_name=site)
                status: int = add_record(client, {}, model["id"], form).status_code
                return status

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(send, range(16)))
        assert statuses == [201] * 16
        with httpx.Client(base_url=server.url, headers=bearer(server.token), timeout=120) as http:
            found = lines(http.get(f"{BASE}/id/{model['id']}/records"))
            datasets = http.get(f"{BASE}/id/{model['id']}/datasets").json()
        assert len(found) == 16
        assert len({r["site_id"] for r in found}) == 1
        assert len(datasets) == 1

    def test_the_same_record_sent_in_parallel_is_added_once(self, server: RunningServer) -> None:
        with httpx.Client(base_url=server.url, headers=bearer(server.token), timeout=120) as http:
            model = create_model(http, {})

        def send(_: int) -> int:
            with httpx.Client(
                base_url=server.url, headers=bearer(server.token), timeout=120
            ) as client:
                form = record_form(at(0), {"same": True}, site_name="fixed")
                status: int = add_record(client, {}, model["id"], form).status_code
                return status

        with ThreadPoolExecutor(8) as pool:
            statuses = sorted(pool.map(send, range(8)))
        assert statuses == [201] + [409] * 7
