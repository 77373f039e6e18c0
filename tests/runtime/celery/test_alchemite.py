"""The real ``alchemite-apiclient==0.65.0`` client against a celery-mode cluster of two API
servers (separate processes and data directories that share only PostgreSQL, RabbitMQ and S3):
a dataset uploaded in chunks through both servers, collated, downloaded, a model trained (a
queued job on the servers' job workers), then predictions and imputation from either server."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from alchemite_apiclient.model.dataset import Dataset
from alchemite_apiclient.model.impute_request import ImputeRequest
from alchemite_apiclient.model.model import Model
from alchemite_apiclient.model.predict_request import PredictRequest
from alchemite_apiclient.model.train_request import TrainRequest

from tests.runtime.celery.cluster import cluster
from tests.support.alchemite import Apis, apis_for, write_credentials
from tests.support.databases import Templates

pytestmark = pytest.mark.slow

HEADERS = ["x", "y", "z"]
HEADER = ",x,y,z\n"
ROWS = [f"r{i},{i},{2 * i + 1},{i % 3}\n" for i in range(30)]


def cells(text: str) -> dict[str, list[float | None]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == ""
    return {row[0]: [float(v) if v != "" else None for v in row[1:]] for row in rows[1:]}


def put_chunk(apis: Apis, model_id: str, number: int, path: Path, rows: list[str]) -> None:
    path.write_text(HEADER + "".join(rows))
    with path.open("rb") as body:
        apis.datasets.models_id_dataset_chunks_chunk_number_put(model_id, number, body=body)


def wait_until(check: Callable[[], bool], *, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


class TestAlchemiteInCeleryMode:
    def test_chunks_through_two_servers_collate_train_and_predict_on_either(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        with (
            cluster(templates, tmp_path) as running,
            running.server("api-a") as a,
            running.server("api-b", token=a.token) as b,
            apis_for(write_credentials(tmp_path / "a.json", a.url, a.token)) as on_a,
            apis_for(write_credentials(tmp_path / "b.json", b.url, b.token)) as on_b,
        ):
            assert on_b.default.version_get().alchemite_version
            model_id = on_a.models.models_post(Model(name="steel", training_method="alchemite"))
            assert isinstance(model_id, str)
            on_a.datasets.models_id_dataset_post(
                model_id,
                dataset=Dataset(
                    name="steel", row_count=30, column_headers=HEADERS, descriptor_columns=[1, 0, 0]
                ),
            )
            # the chunks land on different servers; only S3 and PostgreSQL are shared
            put_chunk(on_a, model_id, 0, tmp_path / "0.csv", ROWS[:15])
            put_chunk(on_b, model_id, 1, tmp_path / "1.csv", ROWS[15:])
            chunks = on_a.datasets.models_id_dataset_chunks_get(model_id)
            assert [(c.chunk_number, c.row_count) for c in chunks] == [(0, 15), (1, 15)]
            on_b.datasets.models_id_dataset_uploaded_post(model_id)
            wait_until(
                lambda: on_a.datasets.models_id_dataset_get(model_id).status == "uploaded",
                timeout=60,
                message="the dataset was not collated",
            )
            expected = cells(HEADER + "".join(ROWS))
            assert cells(on_a.datasets.models_id_dataset_download_get(model_id)) == expected
            assert cells(on_b.datasets.models_id_dataset_download_get(model_id)) == expected

            on_b.models.models_id_train_put(model_id, train_request=TrainRequest(validation="none"))
            wait_until(
                lambda: str(on_a.models.models_id_get(model_id).status) in ("trained", "failed"),
                timeout=90,
                message="the model did not finish training",
            )
            trained = on_a.models.models_id_get(model_id)
            assert str(trained.status) == "trained", trained

            # either server predicts from the estimator in the shared store
            for apis in (on_a, on_b):
                predicted = cells(
                    apis.models.models_id_predict_put(
                        model_id, predict_request=PredictRequest(data=",x\nn1,10\nn2,20\n")
                    )
                )
                assert set(predicted) == {"n1", "n2"}
                y_of_10 = predicted["n1"][0]
                assert y_of_10 is not None
                assert abs(y_of_10 - 21) < 4
            imputed = cells(
                on_b.models.models_id_impute_put(
                    model_id, impute_request=ImputeRequest(data=",x,y,z\nm1,5,,1\n")
                )
            )
            x, y, z = imputed["m1"]
            assert (x, z) == (5, 1)
            assert y is not None
            assert abs(y - 11) < 4

            jobs = running.query(
                "SELECT kind, status FROM jobs WHERE kind IN ('dataset.collate', 'tabular.train')"
            )
            assert sorted(jobs) == [
                ("dataset.collate", "succeeded"),
                ("tabular.train", "succeeded"),
            ]
            # the collated dataset and the estimator are in the shared store, the chunks gone
            keys = running.stored_keys()
            assert [k for k in keys if "/datasets/" in k and "/data-" in k]
            assert [k for k in keys if "/tabular/" in k and k.endswith(".joblib")]
            assert [k for k in keys if "/chunks/" in k] == []
