"""Leia jobs and their callbacks survive a killed server: after a restart every job ends and
every callback is delivered (the callback listener is down until the server is killed)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import leiaapi.generated as leia
import pytest

from tests.support.leia import (
    FINAL,
    eventually,
    listening,
    login,
    model_zip,
    wait_for_job,
)
from tests.support.server import free_port, kill_instances, running_server, stop_process

pytestmark = pytest.mark.slow
FAST_LEASES = {"MODELYARD_JOB_LEASE_SECONDS": "2"}


class TestKilledServer:
    def test_every_job_ends_and_every_callback_arrives_after_a_restart(
        self, database_url: str, tmp_path: Path
    ) -> None:
        data_dir, port = tmp_path / "data", free_port()
        callback = f"http://127.0.0.1:{port}/done"
        with running_server(database_url, data_dir, env=FAST_LEASES) as server:
            admin = login(server.url, server.token)
            document = leia.DocumentApi(admin.api).create_document(b"a b c", admin.token, "a.txt")
            models = leia.ModelAdminApi(admin.api)
            model = models.admin_create_model(model_zip(), admin.token, "m", admin.application_id)

            def apply(**options: object) -> str:
                job = models.admin_apply_model_async(
                    admin.token,
                    admin.application_id,
                    model.id,
                    [document.id],
                    callback_url=callback,
                    **options,
                )
                return str(job.id)

            quick = apply()
            assert wait_for_job(admin.api, admin.token, quick, timeout=120).status == "PROCESSED"
            slow = [apply(model_params={"sleep": 5}) for _ in range(2)]
            chained = apply(execute_after_id=slow[-1])
            assert eventually(
                lambda: any(
                    leia.JobApi(admin.api).get_job(admin.token, job).status == "PROCESSING"
                    for job in slow
                ),
                timeout=60,
            )
            os.kill(server.process.pid, signal.SIGKILL)
            stop_process(server.process, kill=True)
            token = server.token
        kill_instances(data_dir)
        every = [quick, *slow, chained]
        with (
            listening(port) as listener,
            running_server(database_url, data_dir, token=token, env=FAST_LEASES) as restarted,
        ):
            admin = login(restarted.url, restarted.token)
            ended = [wait_for_job(admin.api, admin.token, job, timeout=180) for job in every]
            assert [job.status for job in ended] == ["PROCESSED"] * 4
            assert all(job.status in FINAL for job in ended)
            assert eventually(lambda: len(listener.received) >= 4, timeout=120)
            delivered = {payload["id"]: payload["status"] for _, payload in listener.received}
        assert delivered == dict.fromkeys(every, "PROCESSED")
