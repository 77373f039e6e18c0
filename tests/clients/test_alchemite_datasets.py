"""The ``alchemite-apiclient==0.65.0`` client, unmodified, against a real server: models,
datasets uploaded whole and in chunks, conflicts refused then fixed, downloads, training,
prediction and imputation, and deletion of it all."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import alchemite_apiclient as client
import pytest
import ubiops
from alchemite_apiclient.model.dataset import Dataset
from alchemite_apiclient.model.impute_request import ImputeRequest
from alchemite_apiclient.model.model import Model
from alchemite_apiclient.model.models_dataset_put_request import ModelsDatasetPutRequest
from alchemite_apiclient.model.predict_request import PredictRequest
from alchemite_apiclient.model.train_request import TrainRequest
from oauthlib.oauth2.rfc6749.errors import InvalidClientError

from tests.support.alchemite import Apis, apis_for, error_of, write_credentials
from tests.support.server import RunningServer
from tests.support.ubiops import client_for, unique

pytestmark = pytest.mark.slow

HEADERS = ["x", "y", "z"]
WHOLE = ",x,y,z\n" + "".join(f"r{i},{i},{2 * i + 1},{i % 3}\n" for i in range(30))


@pytest.fixture
def apis(server: RunningServer, tmp_path: Path) -> Iterator[Apis]:
    with apis_for(write_credentials(tmp_path / "credentials.json", server.url, server.token)) as a:
        yield a


@pytest.fixture
def model_id(apis: Apis) -> str:
    created = apis.models.models_post(Model(name=unique("model"), training_method="alchemite"))
    assert isinstance(created, str)
    return created


def cells(text: str) -> dict[str, list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == ""
    return {row[0]: row[1:] for row in rows[1:]}


def numbers(values: list[str]) -> list[float | None]:
    return [float(v) if v != "" else None for v in values]


def chunk_file(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def put_chunk(apis: Apis, model_id: str, number: int, path: Path) -> None:
    with path.open("rb") as body:
        apis.datasets.models_id_dataset_chunks_chunk_number_put(model_id, number, body=body)


def wait_for(check: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


class TestVersionAndModels:
    def test_version_has_the_fields_every_example_reads(self, apis: Apis) -> None:
        version = apis.default.version_get()
        assert isinstance(version.api_definition_version, str)
        assert isinstance(version.alchemite_version, str)

    def test_create_list_get_delete(self, apis: Apis, model_id: str) -> None:
        model = apis.models.models_id_get(model_id)
        assert model.id == model_id
        assert str(model.status) == "new"
        assert model_id in [m.id for m in apis.models.models_get()]
        apis.models.models_id_delete(model_id)
        with pytest.raises(client.ApiException) as caught:
            apis.models.models_id_get(model_id)
        assert caught.value.status == 404
        assert error_of(caught.value)["status"] == 404

    def test_a_malformed_id_is_400(self, apis: Apis) -> None:
        with pytest.raises(client.ApiException) as caught:
            apis.models.models_id_get("not-a-uuid")
        assert caught.value.status == 400

    def test_a_wrong_secret_is_refused_by_the_token_endpoint(
        self, server: RunningServer, tmp_path: Path
    ) -> None:
        credentials = write_credentials(tmp_path / "bad.json", server.url, "wrong-secret")
        with apis_for(credentials) as bad, pytest.raises(InvalidClientError):
            bad.models.models_get()


class TestWholeDataset:
    def test_upload_metadata_and_download_give_the_values_back(
        self, apis: Apis, model_id: str
    ) -> None:
        data = ",x,y,z\nr1,0.105,,a\nr2,2,17,\n"
        dataset_id = apis.datasets.models_id_dataset_post(
            model_id,
            dataset=Dataset(
                name="steels",
                row_count=2,
                column_headers=HEADERS,
                descriptor_columns=[1, 0, 0],
                data=data,
            ),
        )
        meta = apis.datasets.models_id_dataset_get(model_id)
        assert meta.id == dataset_id
        assert meta.status == "uploaded"
        assert meta.row_count == 2
        assert meta.column_headers == HEADERS
        assert apis.models.models_id_get(model_id).training_dataset_id == dataset_id
        back = cells(apis.datasets.models_id_dataset_download_get(model_id))
        assert numbers(back["r1"][:2]) == [0.105, None]
        assert back["r1"][2] == "a"
        assert numbers(back["r2"][:2]) == [2.0, 17.0]
        assert back["r2"][2] == ""

    def test_wrong_descriptor_columns_and_a_ragged_csv_are_400(
        self, apis: Apis, model_id: str
    ) -> None:
        with pytest.raises(client.ApiException) as caught:
            apis.datasets.models_id_dataset_post(
                model_id,
                dataset=Dataset(
                    name="d", row_count=1, column_headers=HEADERS, descriptor_columns=[1, 0]
                ),
            )
        assert caught.value.status == 400
        assert "descriptorColumns" in str(error_of(caught.value)["detail"])
        with pytest.raises(client.ApiException) as caught:
            apis.datasets.models_id_dataset_post(
                model_id,
                dataset=Dataset(
                    name="d",
                    row_count=2,
                    column_headers=HEADERS,
                    descriptor_columns=[1, 0, 0],
                    data=",x,y,z\nr1,1,2,3\nr2,1,2\n",
                ),
            )
        assert caught.value.status == 400
        assert "line 3" in str(error_of(caught.value)["detail"])
        with pytest.raises(client.ApiException):
            apis.datasets.models_id_dataset_get(model_id)


class TestChunkedUpload:
    def test_chunks_conflicts_collation_training_and_deletion(
        self, apis: Apis, model_id: str, tmp_path: Path
    ) -> None:
        whole_id = apis.datasets.models_id_dataset_post(
            model_id,
            dataset=Dataset(
                name="whole",
                row_count=30,
                column_headers=HEADERS,
                descriptor_columns=[1, 0, 0],
                data=WHOLE,
            ),
        )
        chunked_id = apis.datasets.models_id_dataset_post(
            model_id,
            dataset=Dataset(
                name="chunked", row_count=4, column_headers=HEADERS, descriptor_columns=[1, 0, 0]
            ),
        )
        assert apis.datasets.models_id_dataset_get(model_id).status == "uploading"
        first = chunk_file(tmp_path, "0.csv", ",x,y,z\nr1,1,3,1\nr2,2,5,2\n")
        second = chunk_file(tmp_path, "1.csv", ",x,y,z\nr3,3,7,0\nr4,4,9,1\n")
        put_chunk(apis, model_id, 0, first)
        put_chunk(apis, model_id, 1, chunk_file(tmp_path, "old.csv", ",x,y,z\nr9,9,9,9\n"))
        put_chunk(apis, model_id, 2, second)
        put_chunk(apis, model_id, 1, second)  # the same number replaces
        listed = apis.datasets.models_id_dataset_chunks_get(model_id)
        assert [(c.chunk_number, c.row_count, c.column_count) for c in listed] == [
            (0, 2, 3),
            (1, 2, 3),
            (2, 2, 3),
        ]
        apis.datasets.models_id_dataset_chunks_chunk_number_delete(model_id, 2)
        assert apis.datasets.models_id_dataset_chunks_chunk_number_get(model_id, 1).row_count == 2
        with pytest.raises(client.ApiException) as caught:
            apis.datasets.models_id_dataset_chunks_chunk_number_get(model_id, 2)
        assert caught.value.status == 404

        apis.datasets.models_id_dataset_chunks_delete(model_id)  # restart
        assert apis.datasets.models_id_dataset_chunks_get(model_id) == []

        # conflicting headers: refused, then fixed
        put_chunk(apis, model_id, 0, first)
        put_chunk(apis, model_id, 1, chunk_file(tmp_path, "h.csv", ",x,z,y\nr3,3,0,7\nr4,4,1,9\n"))
        self.refused(apis, model_id, "column headers")
        # too few rows: refused, then fixed
        put_chunk(apis, model_id, 1, chunk_file(tmp_path, "f.csv", ",x,y,z\nr3,3,7,0\n"))
        self.refused(apis, model_id, "rowCount")
        # the same row with different values in two chunks: refused, then fixed
        put_chunk(
            apis,
            model_id,
            1,
            chunk_file(tmp_path, "d.csv", ",x,y,z\nr2,2,6,2\nr3,3,7,0\nr4,4,9,1\n"),
        )
        self.refused(apis, model_id, "row 'r2'")
        # the same row with the same values is kept once
        put_chunk(
            apis,
            model_id,
            1,
            chunk_file(tmp_path, "ok.csv", ",x,y,z\nr2,2,5,2\nr3,3,7,0\nr4,4,9,1\n"),
        )
        apis.datasets.models_id_dataset_uploaded_post(model_id)
        wait_for(lambda: apis.datasets.models_id_dataset_get(model_id).status == "uploaded")
        back = cells(apis.datasets.models_id_dataset_download_get(model_id))
        assert {k: numbers(v) for k, v in back.items()} == {
            "r1": [1, 3, 1],
            "r2": [2, 5, 2],
            "r3": [3, 7, 0],
            "r4": [4, 9, 1],
        }
        with pytest.raises(client.ApiException) as caught:
            apis.datasets.models_id_dataset_chunks_get(model_id)
        assert caught.value.status == 404

        # switch back to the whole dataset, train, predict and impute
        apis.datasets.models_id_dataset_put(
            model_id,
            models_dataset_put_request=ModelsDatasetPutRequest(training_dataset_id=whole_id),
        )
        assert apis.models.models_id_get(model_id).training_dataset_id == whole_id
        apis.models.models_id_train_put(model_id, train_request=TrainRequest(validation="none"))
        wait_for(lambda: str(apis.models.models_id_get(model_id).status) in ("trained", "failed"))
        model = apis.models.models_id_get(model_id)
        assert str(model.status) == "trained", model
        predicted = cells(
            apis.models.models_id_predict_put(
                model_id, predict_request=PredictRequest(data=",x\nn1,10\nn2,20\n")
            )
        )
        assert set(predicted) == {"n1", "n2"}
        y_of_10, _ = numbers(predicted["n1"])
        assert y_of_10 is not None
        assert abs(y_of_10 - 21) < 4
        imputed = cells(
            apis.models.models_id_impute_put(
                model_id, impute_request=ImputeRequest(data=",x,y,z\nm1,5,,1\n")
            )
        )
        x, y, z = numbers(imputed["m1"])
        assert x == 5
        assert z == 1
        assert y is not None
        assert abs(y - 11) < 4

        # a new training dataset makes the trained model stale
        apis.datasets.models_id_dataset_put(
            model_id,
            models_dataset_put_request=ModelsDatasetPutRequest(training_dataset_id=chunked_id),
        )
        assert str(apis.models.models_id_get(model_id).status) == "stale"

        apis.datasets.models_id_dataset_delete(model_id)
        with pytest.raises(client.ApiException) as caught:
            apis.datasets.models_id_dataset_get(model_id)
        assert caught.value.status == 404
        apis.models.models_id_delete(model_id)
        assert model_id not in [m.id for m in apis.models.models_get()]

    @staticmethod
    def refused(apis: Apis, model_id: str, words: str) -> None:
        with pytest.raises(client.ApiException) as caught:
            apis.datasets.models_id_dataset_uploaded_post(model_id)
        assert caught.value.status == 409, caught.value.body
        assert words in str(error_of(caught.value)["detail"])
        assert apis.datasets.models_id_dataset_get(model_id).status == "uploading"


class TestPasswordGrant:
    def test_a_user_signs_in_with_email_and_password_and_works_in_their_home_project(
        self, server: RunningServer, tmp_path: Path, apis: Apis
    ) -> None:
        email = f"{unique('user')}@example.com"
        output = server.cli("users", "create", email).stdout
        token = next(line.split()[1] for line in output.splitlines() if line.startswith("Token "))
        with client_for(server.url, token) as core:
            core.user_update(ubiops.UserUpdate(email=email, password="Alchemite-pass-1"))
        credentials = tmp_path / "password.json"
        credentials.write_text(
            json.dumps(
                {
                    "host": f"{server.url}/v0",
                    "client_id": "modelyard",
                    "grant_type": "password",
                    "username": email,
                    "password": "Alchemite-pass-1",
                    "insecure": True,
                }
            )
        )
        with apis_for(credentials) as mine:
            created = mine.models.models_post(Model(name="own", training_method="alchemite"))
            assert [m.id for m in mine.models.models_get()] == [created]
        assert created not in [m.id for m in apis.models.models_get()]
