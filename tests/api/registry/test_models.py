"""Models, experiments, runs and datasets at /api/models: the framework's statuses and shapes."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.support.registry import (
    BASE,
    create_model,
    is_error_envelope,
    unique,
    validation_keys,
)

H = dict[str, str]


class TestCreateModel:
    def test_answers_201_with_the_model(self, client: TestClient, headers: H) -> None:
        body = {"model_name": "yield", "model_url": "s3://m/yield", "model_info": {"k": 1}}
        response = client.post(f"{BASE}/", json=body, headers=headers)
        assert response.status_code == 201
        created = response.json()
        assert uuid.UUID(created["id"])
        assert {k: created[k] for k in body} == body

    def test_without_the_trailing_slash_too(self, client: TestClient, headers: H) -> None:
        response = client.post(BASE, json={"model_name": "bare"}, headers=headers)
        assert response.status_code == 201
        assert response.json()["model_name"] == "bare"
        listed = client.get(BASE, params={"model_name": "bare"}, headers=headers)
        assert [m["id"] for m in listed.json()] == [response.json()["id"]]

    def test_model_info_may_be_a_json_string(self, client: TestClient, headers: H) -> None:
        created = create_model(client, headers, model_info='{"layers": 3}')
        assert created["model_info"] == {"layers": 3}

    def test_an_existing_name_and_url_gives_that_model_back(
        self, client: TestClient, headers: H
    ) -> None:
        first = create_model(client, headers, model_name="twice", model_url="u")
        again = create_model(client, headers, model_name="twice", model_url="u")
        other = create_model(client, headers, model_name="twice", model_url="v")
        assert again["id"] == first["id"]
        assert other["id"] != first["id"]

    def test_same_name_without_url_is_one_model(self, client: TestClient, headers: H) -> None:
        first = create_model(client, headers, model_name="nourl")
        assert create_model(client, headers, model_name="nourl")["id"] == first["id"]
        assert first["model_url"] is None

    def test_without_a_name_is_400_naming_it(self, client: TestClient, headers: H) -> None:
        response = client.post(f"{BASE}/", json={"model_url": "x"}, headers=headers)
        assert response.status_code == 400
        assert validation_keys(response) == ["model_name"]

    def test_a_body_that_is_not_json_is_400(self, client: TestClient, headers: H) -> None:
        response = client.post(
            f"{BASE}/",
            content=b'{"model_name": ',
            headers={**headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert validation_keys(response) == ["body"]

    def test_bad_model_info_is_400_naming_it(self, client: TestClient, headers: H) -> None:
        response = client.post(
            f"{BASE}/", json={"model_name": "m", "model_info": "{nope"}, headers=headers
        )
        assert response.status_code == 400
        assert validation_keys(response) == ["model_info"]

    def test_naming_an_experiment_creates_and_links_it(
        self, client: TestClient, headers: H
    ) -> None:
        created = create_model(client, headers, experiment_name="Experiment A")
        found = client.get(f"{BASE}/id/{created['id']}/experiments", headers=headers)
        assert found.status_code == 200
        [experiment] = found.json()
        assert experiment["experiment_name"] == "Experiment A"
        assert set(experiment) == {
            "id",
            "experiment_name",
            "experiment_info",
            "experiment_start_date",
            "experiment_end_date",
        }


class TestListAndSearch:
    def test_empty_lists_are_404(self, client: TestClient, headers: H) -> None:
        for path in (f"{BASE}/all", f"{BASE}/all/", f"{BASE}/", BASE):
            response = client.get(path, headers=headers)
            assert response.status_code == 404, path
            assert is_error_envelope(response)

    def test_all_lists_every_model(self, client: TestClient, headers: H) -> None:
        ids = {create_model(client, headers)["id"] for _ in range(3)}
        response = client.get(f"{BASE}/all", headers=headers)
        assert response.status_code == 200
        assert {m["id"] for m in response.json()} == ids

    def test_search_by_name_url_info_and_experiment(self, client: TestClient, headers: H) -> None:
        a = create_model(
            client,
            headers,
            model_name="a",
            model_url="ua",
            model_info={"task": "yield", "tags": ["x", "y"], "n": {"deep": 1}},
            experiment_name="E1",
        )
        b = create_model(client, headers, model_name="b", model_info={"task": "disease"})

        def ids(**params: str) -> list[str]:
            response = client.get(f"{BASE}/", params=params, headers=headers)
            return [m["id"] for m in response.json()] if response.status_code == 200 else []

        assert ids(model_name="a") == [a["id"]]
        assert ids(model_url="ua") == [a["id"]]
        assert ids(model_info='{"task": "disease"}') == [b["id"]]
        assert ids(model_info='{"tags": ["y"], "n": {"deep": 1}}') == [a["id"]]
        assert ids(experiment_name="E1") == [a["id"]]
        assert ids(model_name="b", experiment_name="E1") == []

    def test_search_without_a_match_is_404(self, client: TestClient, headers: H) -> None:
        create_model(client, headers)
        response = client.get(f"{BASE}/", params={"model_name": "absent"}, headers=headers)
        assert response.status_code == 404
        assert is_error_envelope(response)

    def test_bad_model_info_in_the_query_is_400(self, client: TestClient, headers: H) -> None:
        response = client.get(f"{BASE}/", params={"model_info": "[1]"}, headers=headers)
        assert response.status_code == 400
        assert validation_keys(response) == ["model_info"]


class TestOneModel:
    def test_get_by_id(self, client: TestClient, headers: H) -> None:
        created = create_model(client, headers)
        for path in (f"{BASE}/id/{created['id']}", f"{BASE}/id/{created['id']}/"):
            response = client.get(path, headers=headers)
            assert response.status_code == 200
            assert response.json() == created

    def test_unknown_and_malformed_ids_are_404(self, client: TestClient, headers: H) -> None:
        for model_id in (str(uuid.uuid4()), "not-a-uuid", "12"):
            for method, suffix in (
                ("GET", ""),
                ("PATCH", ""),
                ("DELETE", ""),
                ("GET", "/experiments"),
                ("GET", "/runs"),
                ("POST", "/runs"),
                ("GET", "/datasets"),
                ("GET", "/records"),
                ("GET", "/records/filter"),
            ):
                json = {"model_name": "x"} if method == "PATCH" else {}
                response = client.request(
                    method, f"{BASE}/id/{model_id}{suffix}", json=json, headers=headers
                )
                assert response.status_code == 404, (method, suffix, response.text)
                assert is_error_envelope(response)

    def test_update_changes_the_given_fields(self, client: TestClient, headers: H) -> None:
        created = create_model(client, headers, model_url="u1", model_info={"a": 1})
        response = client.patch(
            f"{BASE}/id/{created['id']}", json={"model_info": {"b": 2}}, headers=headers
        )
        assert response.status_code == 200
        assert response.json() == {**created, "model_info": {"b": 2}}
        renamed = client.patch(
            f"{BASE}/id/{created['id']}/", json={"model_name": "renamed"}, headers=headers
        ).json()
        assert (renamed["model_name"], renamed["model_url"]) == ("renamed", "u1")

    def test_renaming_onto_another_models_pair_is_409(self, client: TestClient, headers: H) -> None:
        create_model(client, headers, model_name="taken", model_url="u")
        mine = create_model(client, headers, model_name="mine", model_url="u")
        response = client.patch(
            f"{BASE}/id/{mine['id']}", json={"model_name": "taken"}, headers=headers
        )
        assert response.status_code == 409
        assert is_error_envelope(response)
        assert client.get(f"{BASE}/id/{mine['id']}", headers=headers).json() == mine

    def test_an_empty_update_is_400(self, client: TestClient, headers: H) -> None:
        created = create_model(client, headers)
        response = client.patch(f"{BASE}/id/{created['id']}", json={}, headers=headers)
        assert response.status_code == 400
        assert validation_keys(response) == ["body"]

    def test_delete_is_204_and_the_model_is_gone(self, client: TestClient, headers: H) -> None:
        created = create_model(client, headers)
        response = client.delete(f"{BASE}/id/{created['id']}", headers=headers)
        assert response.status_code == 204
        assert response.headers["content-type"]
        assert client.get(f"{BASE}/id/{created['id']}", headers=headers).status_code == 404
        again = client.delete(f"{BASE}/id/{created['id']}/", headers=headers)
        assert again.status_code == 404


class TestRuns:
    def test_create_list_and_uniqueness(self, client: TestClient, headers: H) -> None:
        model = create_model(client, headers)
        path = f"{BASE}/id/{model['id']}/runs"
        assert client.get(path, headers=headers).status_code == 404
        first = client.post(path, json={"model_run_info": {"lr": 0.1}}, headers=headers)
        assert first.status_code == 201
        run = first.json()
        assert run["model_run_info"] == {"lr": 0.1}
        assert run["model_id"] == model["id"]
        same = client.post(f"{path}/", json={"model_run_info": '{"lr": 0.1}'}, headers=headers)
        assert same.json()["id"] == run["id"]
        other = client.post(path, json={"model_run_info": {"lr": 0.2}}, headers=headers)
        listed = client.get(f"{path}/", headers=headers)
        assert listed.status_code == 200
        assert [r["id"] for r in listed.json()] == [run["id"], other.json()["id"]]

    def test_bad_run_info_is_400(self, client: TestClient, headers: H) -> None:
        model = create_model(client, headers)
        response = client.post(
            f"{BASE}/id/{model['id']}/runs", json={"model_run_info": 5}, headers=headers
        )
        assert response.status_code == 400
        assert validation_keys(response) == ["model_run_info"]


class TestDatasets:
    def test_create_links_the_dataset_and_its_experiment(
        self, client: TestClient, headers: H
    ) -> None:
        model = create_model(client, headers)
        path = f"{BASE}/id/{model['id']}/datasets"
        assert client.get(path, headers=headers).status_code == 404
        body = {
            "dataset_name": unique("ds"),
            "dataset_info": {"rows": 3},
            "collection_date": "2024-05-01",
            "experiment_name": "E9",
        }
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 201
        created = response.json()
        assert set(created) == {
            "id",
            "dataset_name",
            "collection_date",
            "dataset_info",
            "dataset_type_id",
        }
        assert created["dataset_name"] == body["dataset_name"]
        assert created["collection_date"].startswith("2024-05-01")
        assert created["dataset_type_id"] == 4
        assert client.get(f"{path}/", headers=headers).json() == [created]
        experiments = client.get(f"{BASE}/id/{model['id']}/experiments", headers=headers)
        assert [e["experiment_name"] for e in experiments.json()] == ["E9"]

    def test_datasets_are_named_globally(self, client: TestClient, headers: H) -> None:
        one, two = create_model(client, headers), create_model(client, headers)
        body = {"dataset_name": "shared"}
        first = client.post(f"{BASE}/id/{one['id']}/datasets", json=body, headers=headers)
        second = client.post(f"{BASE}/id/{two['id']}/datasets", json=body, headers=headers)
        assert first.json()["id"] == second.json()["id"]

    def test_a_bad_collection_date_is_400_naming_it(self, client: TestClient, headers: H) -> None:
        model = create_model(client, headers)
        body = {"dataset_name": "d", "collection_date": "someday"}
        response = client.post(f"{BASE}/id/{model['id']}/datasets", json=body, headers=headers)
        assert response.status_code == 400
        assert validation_keys(response) == ["collection_date"]

    def test_without_a_name_is_400(self, client: TestClient, headers: H) -> None:
        model = create_model(client, headers)
        response = client.post(f"{BASE}/id/{model['id']}/datasets", json={}, headers=headers)
        assert response.status_code == 400
        assert validation_keys(response) == ["dataset_name"]
