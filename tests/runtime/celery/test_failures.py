"""What a celery-mode cluster survives, each with real processes killed with SIGKILL: a worker
with all its instances mid-batch, one instance mid-request, an API server holding jobs."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.test_batch_durability import (
    COUNTING_MODEL,
    assert_each_completed_once,
    completed,
    submit,
    wait_all_done,
)
from tests.runtime.celery.cluster import cluster, kill_group, wait_for
from tests.runtime.celery.test_cluster import deploy
from tests.support.databases import Templates
from tests.support.packages import model_zip
from tests.support.server import instance_pids, stop_process

pytestmark = pytest.mark.slow

SLOW_MODEL = """
import time


class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        time.sleep(3)
        return data[::-1]
"""
FAST_LEASES = {"MODELYARD_JOB_LEASE_SECONDS": "2"}


class TestAWorkerKilledWithItsInstances:
    def test_every_batch_request_completes_once_on_the_other_worker(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        with cluster(templates, tmp_path) as running, running.server("api") as server:
            doomed = running.worker("worker-a")
            running.worker("worker-b")
            running.wait_for_workers(2)  # else both instances may land on the first
            api = server.api()
            deploy(api, model_zip(tmp_path / "rev.zip", COUNTING_MODEL), minimum=2, maximum=2)
            wait_for(lambda: running.ready_placements() == 2, timeout=120, message="not placed")
            workers = running.query("SELECT count(DISTINCT worker_id) FROM placements")
            assert workers == [(2,)]  # spread: one instance on each worker
            accepted = submit(api, 600)
            ids = list(accepted)
            wait_for(lambda: completed(api, ids) >= 150, timeout=120, message="no progress")
            kill_group(doomed, signal.SIGKILL)
            assert_each_completed_once(wait_all_done(api, ids, timeout=240), accepted)

            def on_the_survivor() -> bool:
                query = "SELECT worker_id, count(*) FROM placements GROUP BY worker_id"
                return [count for _, count in running.query(query)] == [2]

            wait_for(on_the_survivor, timeout=60, message="the dead worker's instance stayed")


class TestAnInstanceKilledMidRequest:
    def test_its_request_is_answered_by_another_and_a_replacement_starts(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        with cluster(templates, tmp_path) as running, running.server("api") as server:
            running.worker("worker-a")
            api = server.api()
            deploy(api, model_zip(tmp_path / "rev.zip", SLOW_MODEL), minimum=2, maximum=2)
            wait_for(lambda: running.ready_placements() == 2, timeout=120, message="not placed")
            assert len(running.instance_processes()) == 2

            def ask(data: str) -> tuple[bool, object]:
                answer = server.api().model_requests_create(
                    "default", "rev", "v1", data, timeout=120
                )
                return answer.success, answer.result

            with ThreadPoolExecutor(2) as pool:
                asked = [pool.submit(ask, data) for data in ("first", "second")]
                time.sleep(1.5)  # both instances are in the middle of a request
                placement, pid = sorted(running.instance_processes().items())[0]
                os.kill(pid, signal.SIGKILL)
                answers = sorted(str(f.result(timeout=120)) for f in asked)
            assert answers == sorted(str((True, d[::-1])) for d in ("first", "second"))
            wait_for(
                lambda: running.instance_processes().get(placement) not in (None, pid),
                timeout=60,
                message="the killed instance was not started again",
            )


class TestAnApiServerKilledWithClaimedJobs:
    def test_its_leases_expire_and_the_other_server_finishes_them(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        with cluster(templates, tmp_path) as running:
            running.worker("worker-a")
            with running.server("api-b", **FAST_LEASES) as survivor:
                with running.server("api-a", token=survivor.token, **FAST_LEASES) as doomed:
                    api = doomed.api()
                    deploy(api, model_zip(tmp_path / "rev.zip", COUNTING_MODEL), maximum=2)
                    accepted = submit(api, 300)
                    ids = list(accepted)
                    wait_for(lambda: completed(api, ids) >= 30, timeout=120, message="no progress")
                    owners = running.query(
                        "SELECT DISTINCT lease_owner FROM jobs WHERE status = 'running'"
                    )
                    os.kill(doomed.process.pid, signal.SIGKILL)
                    stop_process(doomed.process, kill=True)
                results = wait_all_done(survivor.api(), ids, timeout=240)
                assert_each_completed_once(results, accepted)
                assert len(owners) == 2  # both servers held jobs when one was killed
                retried = running.query("SELECT count(*) FROM jobs WHERE attempts > 1")
                assert retried[0][0] >= 1  # the dead server's leases expired and were claimed again


class TestAShimKilledMidRequest:
    def test_the_request_goes_back_to_the_queue_and_is_answered(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        with cluster(templates, tmp_path) as running, running.server("api") as server:
            running.worker("worker-a")
            api = server.api()
            deploy(api, model_zip(tmp_path / "rev.zip", SLOW_MODEL), minimum=1, maximum=1)
            wait_for(lambda: running.ready_placements() == 1, timeout=120, message="not placed")
            with ThreadPoolExecutor(1) as pool:
                asked = pool.submit(
                    lambda: server.api().model_requests_create(
                        "default", "rev", "v1", "shim", timeout=120
                    )
                )
                time.sleep(1.5)
                shims = instance_pids(tmp_path / "worker-a")
                assert shims
                for pid in shims:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                answer = asked.result(timeout=120)
            assert answer.success, answer.error_message
            assert answer.result == "mihs"


class TestAWorkerStoppedWithSigterm:
    def test_its_running_request_finishes_and_it_leaves_the_cluster(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        with cluster(templates, tmp_path) as running, running.server("api") as server:
            worker = running.worker("worker-a")
            api = server.api()
            deploy(api, model_zip(tmp_path / "rev.zip", SLOW_MODEL), minimum=1, maximum=1)
            wait_for(lambda: running.ready_placements() == 1, timeout=120, message="not placed")
            with ThreadPoolExecutor(1) as pool:
                asked = pool.submit(
                    lambda: server.api().model_requests_create(
                        "default", "rev", "v1", "warm", timeout=120
                    )
                )
                time.sleep(1.5)
                worker.send_signal(signal.SIGTERM)
                answer = asked.result(timeout=120)
            assert answer.success, answer.error_message
            assert worker.wait(timeout=60) == 0
            assert running.query("SELECT count(*) FROM workers") == [(0,)]
            assert running.query("SELECT count(*) FROM placements") == [(0,)]


class TestAWorkerThatVanishesWithoutClosingItsConnections:
    def test_its_requests_and_instances_move_once_it_is_silent(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        """SIGSTOP of the worker's process group stands in for a host that vanished: its
        connections stay open, nothing it runs answers or heartbeats. RabbitMQ gives its
        unacknowledged requests back when the connections' heartbeats fail; the controller
        places its instance on the other worker when its row's heartbeat does."""
        with cluster(templates, tmp_path) as running, running.server("api") as server:
            frozen = running.worker("worker-a")
            running.worker("worker-b")
            running.wait_for_workers(2)  # else both instances may land on the first
            api = server.api()
            deploy(api, model_zip(tmp_path / "rev.zip", COUNTING_MODEL), minimum=2, maximum=2)
            wait_for(lambda: running.ready_placements() == 2, timeout=120, message="not placed")
            accepted = submit(api, 300)
            ids = list(accepted)
            wait_for(lambda: completed(api, ids) >= 50, timeout=120, message="no progress")
            kill_group(frozen, signal.SIGSTOP)
            try:
                assert_each_completed_once(wait_all_done(api, ids, timeout=240), accepted)

                def on_the_survivor() -> bool:
                    query = "SELECT worker_id, count(*) FROM placements GROUP BY worker_id"
                    return [count for _, count in running.query(query)] == [2]

                wait_for(on_the_survivor, timeout=60, message="the silent worker's instance stayed")
            finally:
                kill_group(frozen, signal.SIGKILL)
                kill_group(frozen, signal.SIGCONT)
