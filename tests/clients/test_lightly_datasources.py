"""The real ``lightly==1.2.2`` client, unmodified, against ``modelyard serve``: datasets and
their LOCAL, S3, GCS and Azure datasources, configured, verified, listed page by page (with and
without a time window), every readUrl fetched; no secret in any response or in the log."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.storage.s3server import moto_server, new_bucket, raw_client
from tests.support.databases import BACKENDS, Templates, fresh_database
from tests.support.lightly import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    LoggedServer,
    azure_fs,
    azurite,
    gcs_emulator,
    gcs_fs,
    lightly_api,
    logged_server,
    unique_bucket,
)

pytestmark = pytest.mark.slow

S3_SECRET = f"s3-secret-{uuid.uuid4().hex}"
GCS_KEY = f"-----BEGIN PRIVATE KEY-----{uuid.uuid4().hex}-----END PRIVATE KEY-----"
GCS_CREDENTIALS = json.dumps({"type": "service_account", "project_id": "p", "private_key": GCS_KEY})
SECRETS = (S3_SECRET, GCS_KEY, AZURITE_KEY)
COUNT = 300


class Recorder:
    """Keeps every response body the client receives (wrapping the client's own transport)."""

    def __init__(self, api_client: Any) -> None:
        self.bodies: list[str] = []
        rest = api_client.rest_client
        original = rest.request

        def request(*args: Any, **kwargs: Any) -> Any:
            response = original(*args, **kwargs)
            self.bodies.append(
                response.data.decode() if isinstance(response.data, bytes) else str(response.data)
            )
            return response

        rest.request = request


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with (
        moto_server() as s3,
        gcs_emulator() as gcs,
        azurite(tmp_path_factory.mktemp("azurite")) as azure,
    ):
        yield {"s3": s3, "gcs": gcs, "azure": azure}


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest,
    templates: Templates,
    tmp_path_factory: pytest.TempPathFactory,
    stores: dict[str, str],
) -> Iterator[LoggedServer]:
    workdir = tmp_path_factory.mktemp(f"lightly-{request.param}")
    env = {
        "MODELYARD_S3_ENDPOINT_URL": stores["s3"],
        "MODELYARD_GCS_ENDPOINT_URL": stores["gcs"],
        "MODELYARD_AZURE_ENDPOINT_URL": stores["azure"],
    }
    with (
        fresh_database(templates, request.param, workdir) as url,
        logged_server(url, workdir / "data", env) as running,
    ):
        yield running
        log = running.log()
        assert "modelyard serving" in log  # the whole output was captured and is searched
        for secret in SECRETS:
            assert secret not in log


@pytest.fixture
def apis(server: LoggedServer) -> Iterator[tuple[Any, Any, Recorder]]:
    datasets, datasources = lightly_api(server.url, server.token)
    recorder = Recorder(datasets.api_client)
    yield datasets, datasources, recorder
    for body in recorder.bodies:
        for secret in SECRETS:
            assert secret not in body


def new_dataset(datasets: Any) -> str:
    from lightly.openapi_generated.swagger_client import DatasetCreateRequest

    name = f"ds-{uuid.uuid4().hex[:8]}"
    dataset_id: str = datasets.create_dataset(DatasetCreateRequest(name=name)).id
    assert datasets.get_dataset_by_id(dataset_id).name == name
    return dataset_id


def counted(datasets: Any, dataset_id: str) -> tuple[int, int]:
    """nSamples and sizeInBytes once the background count has run (0 before it)."""
    deadline = time.monotonic() + 30
    while True:
        dataset = datasets.get_dataset_by_id(dataset_id)
        if dataset.n_samples or time.monotonic() > deadline:
            return dataset.n_samples, dataset.size_in_bytes
        time.sleep(0.1)


def every_page(datasources: Any, dataset_id: str, **window: int) -> list[tuple[str, str]]:
    """As lightly's own download helper pages: the window first, then only the cursor."""
    response = datasources.get_list_of_raw_samples_from_datasource_by_dataset_id(
        dataset_id, **window
    )
    rows = [(r.file_name, r.read_url) for r in response.data]
    while response.has_more:
        assert isinstance(response.cursor, str)
        assert len(response.data) < 250
        response = datasources.get_list_of_raw_samples_from_datasource_by_dataset_id(
            dataset_id, cursor=response.cursor
        )
        rows += [(r.file_name, r.read_url) for r in response.data]
    assert isinstance(response.cursor, str)
    return rows


def check_listing(
    datasources: Any, dataset_id: str, expected: dict[str, bytes], token: str
) -> None:
    rows = every_page(datasources, dataset_id)
    assert sorted(name for name, _ in rows) == sorted(expected)
    with httpx.Client() as http:
        for name, url in rows:
            assert url.startswith("http")
            assert token not in url
            assert http.get(url).content == expected[name]


def check_verified(datasources: Any, dataset_id: str) -> None:
    verified = datasources.verify_datasource_by_dataset_id(dataset_id)
    assert (verified.can_list, verified.can_read, verified.can_write) == (True, True, True)


def check_processed_until(datasources: Any, dataset_id: str) -> None:
    from lightly.openapi_generated.swagger_client import DatasourceProcessedUntilTimestampRequest

    read = datasources.get_datasource_processed_until_timestamp_by_dataset_id
    assert read(dataset_id).processed_until_timestamp == 0
    body = DatasourceProcessedUntilTimestampRequest(processed_until_timestamp=1577836800)
    datasources.update_datasource_processed_until_timestamp_by_dataset_id(body, dataset_id)
    assert read(dataset_id).processed_until_timestamp == 1577836800


class TestLocal:
    def test_configure_verify_list_read(
        self, apis: tuple[Any, Any, Recorder], server: LoggedServer, tmp_path: Path
    ) -> None:
        datasets, datasources, _ = apis
        root = tmp_path / "data"
        root.mkdir()
        (tmp_path / "data-other").mkdir()
        (tmp_path / "data-other" / "stray.jpg").write_bytes(b"stray")
        expected: dict[str, bytes] = {}
        for index in range(COUNT):
            name = f"img {index:03d} +#%ü.jpg" if index % 10 == 0 else f"img-{index:03d}.jpg"
            expected[name] = f"local {index}".encode()
            (root / name).write_bytes(expected[name])
            stamp = 1_600_000_000 if index < COUNT // 3 else 1_700_000_000
            os.utime(root / name, (stamp, stamp))
        dataset_id = new_dataset(datasets)
        body = {"type": "LOCAL", "fullPath": str(root), "thumbSuffix": None}
        datasources.update_datasource_by_dataset_id(body, dataset_id)
        config = datasources.get_datasource_by_dataset_id(dataset_id)
        assert config == {"type": "LOCAL", "fullPath": str(root)}
        size = sum(len(content) for content in expected.values())
        assert counted(datasets, dataset_id) == (COUNT, size)
        check_verified(datasources, dataset_id)
        check_listing(datasources, dataset_id, expected, server.token)
        old = every_page(datasources, dataset_id, _from=0, to=1_600_000_000)
        assert len(old) == COUNT // 3
        new = every_page(datasources, dataset_id, _from=1_600_000_001)
        assert len(new) == COUNT - COUNT // 3
        assert not {n for n, _ in old} & {n for n, _ in new}
        check_processed_until(datasources, dataset_id)

    def test_a_missing_directory_verifies_false_with_reasons(
        self, apis: tuple[Any, Any, Recorder], server: LoggedServer, tmp_path: Path
    ) -> None:
        datasets, datasources, _ = apis
        dataset_id = new_dataset(datasets)
        missing = tmp_path / "nowhere"
        datasources.update_datasource_by_dataset_id(
            {"type": "LOCAL", "fullPath": str(missing)}, dataset_id
        )
        verified = datasources.verify_datasource_by_dataset_id(dataset_id)
        assert (verified.can_list, verified.can_read, verified.can_write) == (False, False, False)
        raw = httpx.get(
            f"{server.url}/v1/datasets/{dataset_id}/datasource/verify",
            params={"token": server.token},
        ).json()
        assert "does not exist" in raw["errors"]["canList"]
        assert raw["canOverwrite"] is False


class TestS3:
    def test_configure_verify_list_read(
        self, apis: tuple[Any, Any, Recorder], server: LoggedServer, stores: dict[str, str]
    ) -> None:
        datasets, datasources, _ = apis
        bucket = new_bucket(stores["s3"])
        client = raw_client(stores["s3"])
        expected: dict[str, bytes] = {}
        for index in range(COUNT):
            name = f"img {index:03d} +#%ü.jpg" if index % 10 == 0 else f"img-{index:03d}.jpg"
            expected[name] = f"s3 {index}".encode()
            client.put_object(Bucket=bucket, Key=f"data/{name}", Body=expected[name])
            if index == COUNT // 2:
                time.sleep(1.1)  # the second half is modified in a later second
        client.put_object(Bucket=bucket, Key="data-other/stray.jpg", Body=b"stray")
        dataset_id = new_dataset(datasets)
        body = {
            "type": "S3",
            "fullPath": f"s3://{bucket}/data",
            "s3Region": "eu-central-1",
            "s3AccessKeyId": "AKIDMODELYARD",
            "s3SecretAccessKey": S3_SECRET,
        }
        datasources.update_datasource_by_dataset_id(body, dataset_id)
        config = datasources.get_datasource_by_dataset_id(dataset_id)
        assert config["s3AccessKeyId"] == "AKIDMODELYARD"
        assert "s3SecretAccessKey" not in config
        check_verified(datasources, dataset_id)
        check_listing(datasources, dataset_id, expected, server.token)
        listed = client.list_objects_v2(Bucket=bucket, Prefix="data/")["Contents"]
        second = max(int(item["LastModified"].timestamp()) for item in listed)
        first = min(int(item["LastModified"].timestamp()) for item in listed)
        early = every_page(datasources, dataset_id, _from=first, to=second - 1)
        late = every_page(datasources, dataset_id, _from=second, to=second)
        assert len(early) + len(late) == COUNT
        assert early
        assert late
        check_processed_until(datasources, dataset_id)

    def test_a_missing_bucket_verifies_false_with_reasons(
        self, apis: tuple[Any, Any, Recorder], server: LoggedServer
    ) -> None:
        datasets, datasources, _ = apis
        dataset_id = new_dataset(datasets)
        body = {
            "type": "S3", "fullPath": "s3://no-such-bucket-here/data", "s3Region": "us-east-1",
            "s3AccessKeyId": "AKIDMODELYARD", "s3SecretAccessKey": S3_SECRET,
        }  # fmt: skip
        datasources.update_datasource_by_dataset_id(body, dataset_id)
        verified = datasources.verify_datasource_by_dataset_id(dataset_id)
        assert (verified.can_list, verified.can_read, verified.can_write) == (False, False, False)
        raw = httpx.get(
            f"{server.url}/v1/datasets/{dataset_id}/datasource/verify",
            params={"token": server.token},
        ).json()
        assert "no-such-bucket-here" in raw["errors"]["canList"]
        assert S3_SECRET not in json.dumps(raw)


class TestEmulatedStores:
    def fill(self, fs: Any, bucket: str) -> dict[str, bytes]:
        fs.mkdir(bucket)
        expected = {f"f {i} +#%ü.jpg": f"bytes {i}".encode() for i in range(5)}
        for name, data in expected.items():
            fs.pipe_file(f"{bucket}/data/{name}", data)
        fs.pipe_file(f"{bucket}/data-other/stray.jpg", b"stray")
        return expected

    def test_gcs(
        self, apis: tuple[Any, Any, Recorder], server: LoggedServer, stores: dict[str, str]
    ) -> None:
        datasets, datasources, _ = apis
        bucket = unique_bucket()
        expected = self.fill(gcs_fs(stores["gcs"]), bucket)
        dataset_id = new_dataset(datasets)
        body = {
            "type": "GCS", "fullPath": f"gs://{bucket}/data", "gcsProjectId": "p",
            "gcsCredentials": GCS_CREDENTIALS,
        }  # fmt: skip
        datasources.update_datasource_by_dataset_id(body, dataset_id)
        assert datasources.get_datasource_by_dataset_id(dataset_id) == {
            "type": "GCS", "fullPath": f"gs://{bucket}/data", "gcsProjectId": "p",
        }  # fmt: skip
        check_verified(datasources, dataset_id)
        check_listing(datasources, dataset_id, expected, server.token)

    def test_azure(
        self, apis: tuple[Any, Any, Recorder], server: LoggedServer, stores: dict[str, str]
    ) -> None:
        datasets, datasources, _ = apis
        container = unique_bucket()
        expected = self.fill(azure_fs(stores["azure"]), container)
        dataset_id = new_dataset(datasets)
        body = {
            "type": "AZURE", "fullPath": f"azure://{container}/data",
            "accountName": AZURITE_ACCOUNT, "accountKey": AZURITE_KEY,
        }  # fmt: skip
        datasources.update_datasource_by_dataset_id(body, dataset_id)
        assert (
            datasources.get_datasource_by_dataset_id(dataset_id)["accountName"] == AZURITE_ACCOUNT
        )
        check_verified(datasources, dataset_id)
        check_listing(datasources, dataset_id, expected, server.token)


class TestDatasets:
    def test_create_list_get_delete(self, apis: tuple[Any, Any, Recorder]) -> None:
        from lightly.openapi_generated.swagger_client.rest import ApiException

        datasets, datasources, _ = apis
        dataset_id = new_dataset(datasets)
        found = datasets.get_dataset_by_id(dataset_id)
        assert (found.id, found.type, found.n_samples, found.size_in_bytes) == (
            dataset_id,
            "Images",
            0,
            0,
        )
        assert dataset_id in [d.id for d in datasets.get_datasets()]
        datasets.delete_dataset_by_id(dataset_id)
        with pytest.raises(ApiException) as caught:
            datasources.get_datasource_by_dataset_id(dataset_id)
        assert caught.value.status == 404
        assert json.loads(caught.value.body)["code"] == "DATASET_UNKNOWN"

    def test_a_wrong_token_is_refused(self, server: LoggedServer) -> None:
        from lightly.openapi_generated.swagger_client.rest import ApiException

        datasets, _ = lightly_api(server.url, "not-a-token")
        with pytest.raises(ApiException) as caught:
            datasets.get_datasets()
        assert caught.value.status == 401
        assert json.loads(caught.value.body)["code"] == "UNAUTHORIZED"
