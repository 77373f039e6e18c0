"""Two servers on one PostgreSQL: work accepted by one is heard by the other at commit (NOTIFY),
not at its next poll. Server A answers the API and runs no jobs; server B runs the jobs and
polls only every 30 s, so a pickup within a second can only be the signal's doing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import ubiops

from tests.e2e.test_batch_durability import COUNTING_MODEL, deploy, wait_all_done
from tests.support.databases import BACKENDS, Templates, fresh_database
from tests.support.packages import model_zip
from tests.support.server import running_server

pytestmark = pytest.mark.slow

API_ONLY = {"MODELYARD_JOB_CONCURRENCY": "0"}
SLOW_POLL = {"MODELYARD_JOB_POLL_SECONDS": "30"}


def picked_up_after(api: ubiops.CoreApi, request_id: str, accepted_at: float) -> float:
    """Seconds from acceptance until the request left ``pending``."""
    deadline = accepted_at + 20
    while time.monotonic() < deadline:
        status = api.batch_model_requests_get("default", "rev", request_id, "v1").status
        if status != "pending":
            return time.monotonic() - accepted_at
        time.sleep(0.02)
    raise AssertionError("the request stayed pending")


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
class TestTwoServersOnOneDatabase:
    def test_a_batch_request_accepted_by_one_is_picked_up_by_the_others_worker_at_once(
        self, backend: str, templates: Templates, tmp_path: Path
    ) -> None:
        package = model_zip(tmp_path / "rev.zip", COUNTING_MODEL)
        data = tmp_path / "data"  # shared, as on one machine: environments and the secret key
        with (
            fresh_database(templates, backend, tmp_path) as url,
            running_server(url, data, env=SLOW_POLL) as worker_server,
            running_server(url, data, token=worker_server.token, env=API_ONLY) as api_server,
        ):
            api = api_server.api()
            deploy(api, package)
            (warm,) = api.batch_model_requests_create("default", "rev", "v1", ["warm"])
            wait_all_done(api, [warm.id], timeout=60)  # B's instance is running now
            delays = []
            for n in range(3):
                (created,) = api.batch_model_requests_create("default", "rev", "v1", [f"r{n}"])
                delays.append(picked_up_after(api, created.id, time.monotonic()))
            results = wait_all_done(api, [warm.id], timeout=30)
            assert [r.status for r in results] == ["completed"]
            assert max(delays) < 1.0, delays
