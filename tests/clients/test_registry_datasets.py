"""A model's datasets over real HTTP with httpx, against a running ``modelyard serve`` on each
backend: the framework's ``DatasetOutput`` shape, ``dataset_type_id`` the model dataset type
(``GEMINIDatasetType.Model``, 4) in the create and list answers, for datasets made by a
record too."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.registry import BASE, add_record, bearer, create_model, record_form, unique
from tests.support.server import RunningServer

pytestmark = pytest.mark.slow
MODEL_DATASET_TYPE = 4


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=bearer(server.token), timeout=60) as client:
        yield client


class TestDatasetType:
    def test_a_created_dataset_answers_the_model_dataset_type(self, http: httpx.Client) -> None:
        model = create_model(http, {})
        body = {"dataset_name": unique("ds"), "dataset_info": {"rows": 3}}
        response = http.post(f"{BASE}/id/{model['id']}/datasets", json=body)
        assert response.status_code == 201
        created = response.json()
        assert created == {
            "id": created["id"],
            "dataset_name": body["dataset_name"],
            "collection_date": None,
            "dataset_info": {"rows": 3},
            "dataset_type_id": MODEL_DATASET_TYPE,
        }
        listed = http.get(f"{BASE}/id/{model['id']}/datasets")
        assert listed.status_code == 200
        assert listed.json() == [created]

    def test_a_dataset_a_record_creates_is_of_the_same_type(self, http: httpx.Client) -> None:
        model = create_model(http, {})
        form = record_form(
            "2024-06-01T08:00:00", {"yield": 3.5}, dataset_name=unique("field"), site_name="Davis"
        )
        record = add_record(http, {}, model["id"], form)
        assert record.status_code == 201, record.text
        datasets = http.get(f"{BASE}/id/{model['id']}/datasets").json()
        assert [(d["id"], d["dataset_type_id"]) for d in datasets] == [
            (record.json()["dataset_id"], MODEL_DATASET_TYPE)
        ]

    def test_a_dataset_linked_to_a_second_model_keeps_its_type(self, http: httpx.Client) -> None:
        name = unique("shared")
        first, second = create_model(http, {}), create_model(http, {})
        made = [
            http.post(f"{BASE}/id/{m['id']}/datasets", json={"dataset_name": name}).json()
            for m in (first, second)
        ]
        assert made[0] == made[1]
        assert made[1]["dataset_type_id"] == MODEL_DATASET_TYPE
