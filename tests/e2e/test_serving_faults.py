"""Faults on the serving path, through a real server: crashes, timeouts, a killed server."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import ubiops
from sqlalchemy import create_engine, text

from tests.support.packages import model_zip
from tests.support.server import running_server, stop_process

pytestmark = pytest.mark.slow

FRAGILE_MODEL = """
import os
import time
import uuid


class Model:
    def __init__(self, base_directory, context):
        time.sleep(float(os.environ.get("SLOW_START", "0")))
        self.instance = uuid.uuid4().hex  # a pid would be the same in every sandbox

    def request(self, data):
        print("handling", data)
        if data == "crash":
            os._exit(3)
        if data == "slow":
            time.sleep(30)
        return "instance %s" % self.instance
"""

SLOW_LOADING_MODEL = """
import time


class Model:
    def __init__(self, base_directory, context):
        time.sleep(3)

    def request(self, data):
        return data
"""


def wait_for(
    api: ubiops.CoreApi, model: str, wanted: str = "available", timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = api.model_versions_get("default", model, "v1").status
        if status == wanted:
            return
        assert status != "failed", api.model_versions_get("default", model, "v1").error_message
        time.sleep(0.2)
    raise AssertionError(f"{model} did not become {wanted}")


def deploy(api: ubiops.CoreApi, name: str, package: Path) -> None:
    api.models_create(
        "default", ubiops.ModelCreate(name=name, input_type="plain", output_type="plain")
    )
    api.model_versions_create(
        "default", name, ubiops.ModelVersionCreate(version="v1", language="python3.8")
    )
    api.model_versions_file_upload("default", name, "v1", file=str(package))


class TestInstanceFaults:
    def test_crash_timeout_and_logs(self, database_url: str, tmp_path: Path) -> None:
        with running_server(database_url, tmp_path / "data") as server:
            api = server.api()
            deploy(api, "fragile", model_zip(tmp_path / "f.zip", FRAGILE_MODEL))
            wait_for(api, "fragile")
            first = api.model_requests_create("default", "fragile", "v1", "hello")
            assert first.success
            assert first.result.startswith("instance ")

            crashed = api.model_requests_create("default", "fragile", "v1", "crash")
            assert crashed.success is False
            assert "stopped while handling the request" in crashed.error_message
            after_crash = api.model_requests_create("default", "fragile", "v1", "hello")
            assert after_crash.success
            assert after_crash.result != first.result

            slow = api.model_requests_create("default", "fragile", "v1", "slow", timeout=1)
            assert slow.success is False
            assert "timed out after 1" in slow.error_message
            after_timeout = api.model_requests_create("default", "fragile", "v1", "hello")
            assert after_timeout.success
            assert after_timeout.result not in (first.result, after_crash.result)

            time.sleep(1.5)
            lines = logged_lines(database_url, "handling %")
            assert {line[0] for line in lines} >= {"handling hello", "handling crash"}
            assert all(line[2:] == ("fragile", "v1") for line in lines)
            request_ids = [line[1] for line in lines]
            assert None not in request_ids
            assert len(set(request_ids)) == len(request_ids)


def logged_lines(database_url: str, pattern: str) -> list[tuple[str, str, str, str]]:
    """(log, request_id, model_name, model_version) of the log rows matching ``pattern``."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT log, request_id, model_name, model_version FROM logs"
                    " WHERE log LIKE :pattern"
                ),
                {"pattern": pattern},
            ).all()
    finally:
        engine.dispose()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


class TestKilledServer:
    def test_a_build_interrupted_by_a_crash_finishes_after_restart(
        self, database_url: str, tmp_path: Path
    ) -> None:
        data_dir = tmp_path / "data"
        with running_server(database_url, data_dir) as server:
            api = server.api()
            deploy(api, "slowload", model_zip(tmp_path / "s.zip", SLOW_LOADING_MODEL))
            wait_for(api, "slowload", wanted="building", timeout=5)
            time.sleep(1)
            stop_process(server.process, kill=True)
            token = server.token
        with running_server(database_url, data_dir, token=token) as restarted:
            api = restarted.api()
            wait_for(api, "slowload")
            name = uuid.uuid4().hex
            assert api.model_requests_create("default", "slowload", "v1", name).result == name
