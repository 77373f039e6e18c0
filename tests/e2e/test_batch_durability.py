"""Accepted batch requests survive a killed server and killed instances, and complete once."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest
import ubiops

from tests.support.packages import model_zip
from tests.support.server import instance_pids, kill_instances, running_server, stop_process

pytestmark = pytest.mark.slow

COUNTING_MODEL = """
import time


class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        time.sleep(0.01)
        return data[::-1]
"""
FAST_LEASES = {"MODELYARD_JOB_LEASE_SECONDS": "2"}


def deploy(api: ubiops.CoreApi, package: Path) -> None:
    api.models_create(
        "default", ubiops.ModelCreate(name="rev", input_type="plain", output_type="plain")
    )
    version = ubiops.ModelVersionCreate(version="v1", language="python3.8", maximum_instances=2)
    api.model_versions_create("default", "rev", version)
    api.model_versions_file_upload("default", "rev", "v1", file=str(package))
    deadline = time.monotonic() + 120
    while api.model_versions_get("default", "rev", "v1").status != "available":
        assert time.monotonic() < deadline
        time.sleep(0.2)


def submit(api: ubiops.CoreApi, count: int) -> dict[str, str]:
    """Queue ``count`` requests in calls of 250; returns id → input."""
    inputs = [f"request-{n:05d}" for n in range(count)]
    accepted: dict[str, str] = {}
    for start in range(0, count, 250):
        chunk = inputs[start : start + 250]
        for created, data in zip(
            api.batch_model_requests_create("default", "rev", "v1", chunk), chunk, strict=True
        ):
            accepted[created.id] = data
    return accepted


def collect(api: ubiops.CoreApi, ids: list[str]) -> list[object]:
    results: list[object] = []
    for start in range(0, len(ids), 250):
        results.extend(
            api.batch_model_requests_batch_collect("default", "rev", "v1", ids[start : start + 250])
        )
    return results


def completed(api: ubiops.CoreApi, ids: list[str]) -> int:
    return sum(1 for r in collect(api, ids) if r.status == "completed")


def wait_all_done(api: ubiops.CoreApi, ids: list[str], timeout: float = 240) -> list[object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        results = collect(api, ids)
        if all(r.status in ("completed", "failed") for r in results):
            return results
        time.sleep(0.5)
    raise AssertionError("batch requests did not finish")


def assert_each_completed_once(results: list[object], accepted: dict[str, str]) -> None:
    by_id = {r.id: r for r in results}
    assert len(results) == len(by_id) == len(accepted)
    failures = [r.error_message for r in results if r.status != "completed"]
    assert failures == []
    assert all(by_id[i].result == data[::-1] for i, data in accepted.items())


class TestKilledServer:
    def test_requests_in_flight_complete_once_after_a_sigkill_and_restart(
        self, database_url: str, tmp_path: Path
    ) -> None:
        data_dir = tmp_path / "data"
        with running_server(database_url, data_dir, env=FAST_LEASES) as server:
            api = server.api()
            deploy(api, model_zip(tmp_path / "m.zip", COUNTING_MODEL))
            accepted = submit(api, 1000)
            ids = list(accepted)
            deadline = time.monotonic() + 60
            while completed(api, ids) < 100:
                assert time.monotonic() < deadline
                time.sleep(0.1)
            os.kill(server.process.pid, signal.SIGKILL)
            stop_process(server.process, kill=True)
            token = server.token
        kill_instances(data_dir)
        with running_server(database_url, data_dir, token=token, env=FAST_LEASES) as restarted:
            api = restarted.api()
            assert_each_completed_once(wait_all_done(api, ids), accepted)


class TestKilledInstances:
    def test_requests_on_a_killed_instance_are_run_again(
        self, database_url: str, tmp_path: Path
    ) -> None:
        data_dir = tmp_path / "data"
        with running_server(database_url, data_dir, env=FAST_LEASES) as server:
            api = server.api()
            deploy(api, model_zip(tmp_path / "m.zip", COUNTING_MODEL))
            accepted = submit(api, 500)
            ids = list(accepted)
            kills = 0
            deadline = time.monotonic() + 60
            while kills < 3 and time.monotonic() < deadline:
                pids = instance_pids(data_dir)
                if pids and completed(api, ids) > 50 * (kills + 1):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pids[0], signal.SIGKILL)
                        kills += 1
                time.sleep(0.05)
            assert kills == 3
            assert_each_completed_once(wait_all_done(api, ids), accepted)
