"""Blob inputs and outputs in a celery-mode cluster, with the real ubiops client: the API
server and the worker share no disk, only PostgreSQL, RabbitMQ and S3, so the file a request
names must reach the worker's instance and the file the model returns must come back as a blob.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import ubiops
from ubiops.rest import ApiException

from tests.runtime.celery.cluster import BROKER_URL, cluster, wait_for
from tests.support.databases import Templates
from tests.support.packages import model_zip

pytestmark = pytest.mark.slow

REVERSER = """
import os


class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        with open(data["file"], "rb") as source:
            content = source.read()
        if data["mode"] == "escape":
            return {"file": "/etc/hostname", "seen": data["file"]}
        target = os.path.join(os.path.dirname(data["file"]), "reversed.bin")
        with open(target, "wb") as out:
            out.write(content[::-1])
        return {"file": target, "seen": data["file"]}
"""
CONTENT = b"modelyard \x00\xff across machines"
MISSING_BLOB = "00000000-0000-4000-8000-000000000000"


def fields(**types: str) -> list[ubiops.ModelInputFieldCreate]:
    return [ubiops.ModelInputFieldCreate(name=n, data_type=t) for n, t in types.items()]


def deploy_reverser(api: ubiops.CoreApi, package: Path) -> None:
    api.models_create(
        "default",
        ubiops.ModelCreate(
            name="files",
            input_type="structured",
            output_type="structured",
            input_fields=fields(file="blob", mode="string"),
            output_fields=fields(file="blob", seen="string"),
        ),
    )
    version = ubiops.ModelVersionCreate(version="v1", language="python3.8", maximum_instances=1)
    api.model_versions_create("default", "files", version)
    api.model_versions_file_upload("default", "files", "v1", file=str(package))
    deadline = time.monotonic() + 120
    while api.model_versions_get("default", "files", "v1").status != "available":
        assert time.monotonic() < deadline, api.model_versions_get("default", "files", "v1")
        time.sleep(0.2)


def batch(api: ubiops.CoreApi, data: list[dict[str, str]], *, timeout: float = 120) -> list[Any]:
    """Queue ``data`` as batch requests and wait until each is completed or failed."""
    ids = [r.id for r in api.batch_model_requests_create("default", "files", "v1", data)]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        results = api.batch_model_requests_batch_collect("default", "files", "v1", ids)
        if all(r.status in ("completed", "failed") for r in results):
            by_id = {r.id: r for r in results}
            return [by_id[i] for i in ids]
        time.sleep(0.3)
    raise AssertionError("the batch requests did not finish")


def waiting(queue: str) -> int:
    """Messages ready in ``queue`` on the shared broker (none while it is not declared)."""
    from amqp.exceptions import NotFound
    from kombu import Connection

    with Connection(BROKER_URL) as connection, connection.channel() as channel:
        try:
            ok = channel.queue_declare(queue=queue, durable=True, passive=True)
        except NotFound:
            return 0
        return int(ok.message_count)


def status(api: ubiops.CoreApi, request_id: str) -> str:
    return str(api.batch_model_requests_get("default", "files", request_id, "v1").status)


class TestBlobFieldsAcrossMachines:
    def test_an_uploaded_file_reaches_the_worker_and_its_output_comes_back_as_a_blob(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        with cluster(templates, tmp_path) as running, running.server("api") as server:
            running.worker("worker-a")
            api = server.api()
            deploy_reverser(api, model_zip(tmp_path / "files.zip", REVERSER))
            source = tmp_path / "input.bin"
            source.write_bytes(CONTENT)
            blob = api.blobs_create("default", file=str(source))

            direct = api.model_requests_create(
                "default", "files", "v1", {"file": blob.id, "mode": "reverse"}, timeout=120
            )
            assert direct.success, direct.error_message
            assert api.blobs_get("default", direct.result["file"]).data == CONTENT[::-1]
            # the model read its input from the worker's own data directory
            assert direct.result["seen"].startswith(str(tmp_path / "worker-a" / "scratch"))
            assert direct.result["seen"].endswith("/input.bin")

            (queued,) = batch(api, [{"file": blob.id, "mode": "reverse"}])
            assert queued.status == "completed", queued.error_message
            assert queued.result["file"] != direct.result["file"]  # a new blob each time
            assert api.blobs_get("default", queued.result["file"]).data == CONTENT[::-1]
            # the API server fetched nothing: no request folder in its scratch directory
            api_scratch = tmp_path / "api" / "scratch"
            assert not list(api_scratch.rglob("request-*"))

    def test_a_missing_blob_and_an_output_outside_the_scratch_fail_with_their_reason(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        with cluster(templates, tmp_path) as running, running.server("api") as server:
            running.worker("worker-a")
            api = server.api()
            deploy_reverser(api, model_zip(tmp_path / "files.zip", REVERSER))
            source = tmp_path / "input.bin"
            source.write_bytes(b"abc")
            blob = api.blobs_create("default", file=str(source))

            with pytest.raises(ApiException) as caught:
                api.model_requests_create(
                    "default", "files", "v1", {"file": MISSING_BLOB, "mode": "reverse"}
                )
            assert caught.value.status == 400
            assert "does not exist in this project" in json.loads(caught.value.body)["error"]

            escaped = api.model_requests_create(
                "default", "files", "v1", {"file": blob.id, "mode": "escape"}, timeout=120
            )
            assert not escaped.success
            assert "'/etc/hostname' is not a file under" in escaped.error_message
            assert str(tmp_path / "worker-a") in escaped.error_message

            outside, fine = batch(
                api,
                [{"file": blob.id, "mode": "escape"}, {"file": blob.id, "mode": "reverse"}],
            )
            assert outside.status == "failed"
            assert "'/etc/hostname' is not a file under" in outside.error_message
            assert fine.status == "completed", fine.error_message
            assert api.blobs_get("default", fine.result["file"]).data == b"cba"

    def test_a_blob_deleted_after_it_was_accepted_fails_the_request_on_the_worker(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        """The API server checks that the blob exists; the worker looks again when it fetches
        it, and a blob gone meanwhile fails the request with the reason (no hang, no retry
        loop)."""
        with cluster(templates, tmp_path) as running, running.server("api") as server:
            api = server.api()
            deploy_reverser(api, model_zip(tmp_path / "files.zip", REVERSER))
            source = tmp_path / "input.bin"
            source.write_bytes(b"gone")
            blob = api.blobs_create("default", file=str(source))
            (created,) = api.batch_model_requests_create(
                "default", "files", "v1", [{"file": blob.id, "mode": "reverse"}]
            )
            (version_id,) = running.query("SELECT id FROM model_versions")[0]
            wait_for(  # checked by the API server and published to the version's queue
                lambda: waiting(f"modelyard.v.{version_id}") == 1,
                timeout=60,
                message="the request did not reach the version's queue",
            )
            api.blobs_delete("default", blob.id)
            running.worker("worker-a")  # the request waited in the queue until now
            deadline = time.monotonic() + 120
            while status(api, created.id) not in ("completed", "failed"):
                assert time.monotonic() < deadline, "the request did not finish"
                time.sleep(0.3)
            found = api.batch_model_requests_get("default", "files", created.id, "v1")
            assert found.status == "failed"
            assert "does not exist in this project or has expired" in found.error_message
