"""A celery-mode cluster end to end: API servers and workers as separate processes that share
only PostgreSQL, RabbitMQ and S3; deployed with the real ubiops client."""

from __future__ import annotations

import time
from pathlib import Path

import leiaapi.generated as leia
import pytest
import ubiops

from tests.e2e.test_batch_durability import COUNTING_MODEL, submit, wait_all_done
from tests.runtime.celery.cluster import cluster, wait_for
from tests.support.databases import Templates
from tests.support.leia import login, wait_for_job
from tests.support.leia import model_zip as leia_model_zip
from tests.support.packages import model_zip

pytestmark = pytest.mark.slow


def deploy(api: ubiops.CoreApi, package: Path, *, minimum: int = 0, maximum: int = 2) -> None:
    api.models_create(
        "default", ubiops.ModelCreate(name="rev", input_type="plain", output_type="plain")
    )
    version = ubiops.ModelVersionCreate(
        version="v1",
        language="python3.8",
        minimum_instances=minimum,
        maximum_instances=maximum,
        maximum_idle_time=300,
    )
    api.model_versions_create("default", "rev", version)
    api.model_versions_file_upload("default", "rev", "v1", file=str(package))
    deadline = time.monotonic() + 120
    while api.model_versions_get("default", "rev", "v1").status != "available":
        assert time.monotonic() < deadline, api.model_versions_get("default", "rev", "v1")
        time.sleep(0.2)


class TestACeleryCluster:
    def test_a_direct_request_scales_a_version_from_zero_and_a_batch_completes(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        with cluster(templates, tmp_path) as running, running.server("api") as server:
            running.worker("worker-a")
            api = server.api()
            deploy(api, model_zip(tmp_path / "rev.zip", COUNTING_MODEL))
            answer = api.model_requests_create("default", "rev", "v1", "hello", timeout=120)
            assert answer.success, answer.error_message
            assert answer.result == "olleh"
            accepted = submit(api, 50)
            results = wait_all_done(api, list(accepted), timeout=120)
            assert sorted(r.result for r in results) == sorted(d[::-1] for d in accepted.values())
            placed = running.query("SELECT count(*) FROM placements WHERE ready_at IS NOT NULL")
            assert placed[0][0] >= 1
            # the instance ran from the worker's own data directory, its package from S3
            assert list((tmp_path / "worker-a" / "packages").iterdir())
            # and its log lines reached the logs table from the worker (no instance runs on
            # the API server in celery mode)
            started = "SELECT count(*) FROM logs WHERE log LIKE 'instance % started'"
            wait_for(lambda: running.query(started)[0][0] >= 1, timeout=30, message="no logs")

    def test_a_leia_apply_job_runs_in_celery_mode_on_the_api_server(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        """A document model works on the server's own files (the uploaded documents), so it
        runs on the server's supervisor, not on a worker; the job completes."""
        with cluster(templates, tmp_path) as running, running.server("api") as server:
            admin = login(server.url, server.token)
            document = leia.DocumentApi(admin.api).create_document(b"a b c", admin.token, "a.txt")
            models = leia.ModelAdminApi(admin.api)
            model = models.admin_create_model(
                leia_model_zip(), admin.token, "m", admin.application_id
            )
            job = models.admin_apply_model_async(
                admin.token, admin.application_id, model.id, [document.id]
            )
            done = wait_for_job(admin.api, admin.token, str(job.id), timeout=120)
            assert done.status == "PROCESSED"
