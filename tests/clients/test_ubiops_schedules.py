"""The ``ubiops==2.1.0`` client creates, lists, updates and deletes scheduled requests, and a
schedule fires: a batch request appears on its version with the model's answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import ubiops
from sqlalchemy import select
from ubiops.rest import ApiException

from modelyard.db.engine import make_engine
from modelyard.db.tables import JobRow
from tests.clients.conftest import core_api
from tests.support.databases import Templates, fresh_database
from tests.support.packages import model_zip
from tests.support.server import RunningServer, running_server
from tests.support.ubiops import client_for, error_of, unique

pytestmark = pytest.mark.slow

SQUARE_MODEL = """
class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        return {"y": data["x"] * data["x"]}
"""


def create_square(api: ubiops.CoreApi, project: str) -> None:
    """Model ``square`` (x → y, doubles) with version ``v1``, not yet deployed."""
    api.projects_create(ubiops.ProjectCreate(name=project, organization_name="default"))
    api.models_create(
        project,
        ubiops.ModelCreate(
            name="square",
            input_type="structured",
            output_type="structured",
            input_fields=[ubiops.ModelInputFieldCreate(name="x", data_type="double")],
            output_fields=[ubiops.ModelOutputFieldCreate(name="y", data_type="double")],
        ),
    )
    api.model_versions_create(
        project, "square", ubiops.ModelVersionCreate(version="v1", language="python3.8")
    )


def schedule(name: str, **changes: Any) -> ubiops.ScheduleCreate:
    fields: dict[str, Any] = {
        "name": name,
        "object_type": "model",
        "object_name": "square",
        "version": "v1",
        "schedule": "0 * 3 * *",
        "request_data": {"x": 3},
        **changes,
    }
    return ubiops.ScheduleCreate(**fields)


@pytest.fixture(scope="module")
def project(server: RunningServer) -> Iterator[str]:
    for api in core_api(server, server.token):
        name = unique("schedules")
        create_square(api, name)
        yield name
        api.projects_delete(name)


def refused(call: Any, *args: Any) -> tuple[int, dict[str, str]]:
    with pytest.raises(ApiException) as caught:
        call(*args)
    return caught.value.status, error_of(caught.value)


class TestScheduledRequests:
    def test_create_list_get_update_and_delete(self, api: ubiops.CoreApi, project: str) -> None:
        created = api.scheduled_requests_create(project, schedule("nightly", timeout=120))
        assert (created.name, created.object_type, created.object_name) == (
            "nightly",
            "model",
            "square",
        )
        assert (created.version, created.schedule, created.request_data) == (
            "v1",
            "0 * 3 * *",
            {"x": 3},
        )
        assert (created.batch, created.timeout, created.enabled) == (False, 120, True)
        assert isinstance(created.creation_date, datetime)
        assert created.creation_date.tzinfo is not None
        assert created.id in {s.id for s in api.scheduled_requests_list(project)}
        assert api.scheduled_requests_get(project, "nightly").timeout == 120

        changes = ubiops.ScheduleUpdate(name="hourly", schedule="0 * * * *", enabled=False)
        updated = api.scheduled_requests_update(project, "nightly", changes)
        assert (updated.id, updated.name, updated.schedule) == (created.id, "hourly", "0 * * * *")
        assert (updated.enabled, updated.request_data) == (False, {"x": 3})

        api.scheduled_requests_delete(project, "hourly")
        status, body = refused(api.scheduled_requests_get, project, "hourly")
        assert (status, body["field"]) == (404, "schedule_name")

    def test_defaults_of_an_unspecified_schedule(self, api: ubiops.CoreApi, project: str) -> None:
        created = api.scheduled_requests_create(project, schedule("defaults"))
        assert (created.batch, created.timeout, created.enabled) == (False, 300, True)

    def test_names_are_unique_per_project(self, api: ubiops.CoreApi, project: str) -> None:
        api.scheduled_requests_create(project, schedule("twice"))
        status, body = refused(api.scheduled_requests_create, project, schedule("twice"))
        assert (status, body["field"]) == (409, "name")


class TestRefusals:
    def test_a_bad_cron_expression_names_schedule(self, api: ubiops.CoreApi, project: str) -> None:
        status, body = refused(
            api.scheduled_requests_create, project, schedule("bad-cron", schedule="61 * * * *")
        )
        assert (status, body["field"]) == (400, "schedule")
        assert "out of range" in body["error"]
        status, body = refused(
            api.scheduled_requests_create, project, schedule("short", schedule="* * *")
        )
        assert (status, body["field"]) == (400, "schedule")

    def test_an_unknown_model_names_object_name(self, api: ubiops.CoreApi, project: str) -> None:
        status, body = refused(
            api.scheduled_requests_create, project, schedule("orphan", object_name="nope")
        )
        assert (status, body["field"]) == (400, "object_name")
        assert "model 'nope' does not exist" in body["error"]

    def test_a_pipeline_that_does_not_exist(self, api: ubiops.CoreApi, project: str) -> None:
        data = schedule("piped", object_type="pipeline", object_name="flow", version=None)
        status, body = refused(api.scheduled_requests_create, project, data)
        assert (status, body["field"]) == (400, "object_name")
        assert "pipeline 'flow' does not exist" in body["error"]

    def test_request_data_must_fit_the_model(self, api: ubiops.CoreApi, project: str) -> None:
        data = schedule("misfit", request_data={"z": 1})
        status, body = refused(api.scheduled_requests_create, project, data)
        assert (status, body["field"]) == (400, "request_data")
        assert "missing field 'x'" in body["error"]

    def test_timeout_limit_and_version_are_named(self, api: ubiops.CoreApi, project: str) -> None:
        status, body = refused(
            api.scheduled_requests_create, project, schedule("slow", timeout=3601)
        )
        assert (status, body["field"]) == (400, "timeout")
        status, body = refused(
            api.scheduled_requests_create, project, schedule("unversioned", version=None)
        )
        assert (status, body["field"]) == (400, "version")
        names = {s.name for s in api.scheduled_requests_list(project)}
        assert not names & {"slow", "unversioned", "misfit", "orphan", "bad-cron"}


def wait_for_batch_result(api: ubiops.CoreApi, project: str, deadline: float) -> Any:
    while time.monotonic() < deadline:
        found = api.batch_model_requests_list(project, "square", "v1", limit=10)
        done = [r for r in found if r.status in ("completed", "failed")]
        if done:
            return api.batch_model_requests_get(project, "square", done[0].id, "v1")
        time.sleep(0.5)
    raise AssertionError("the schedule made no batch request within its minute")


def direct_results(database_url: str) -> list[tuple[str, Any]]:
    """Scheduled direct requests keep their result on the job row (no endpoint shows them)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(JobRow.status, JobRow.result).where(JobRow.kind == "schedule.request")
            return [(row[0], row[1]) for row in connection.execute(query).all()]
    finally:
        engine.dispose()


class TestFiring:
    """The suite's one minute-long wait: a fresh server of its own, on SQLite."""

    def test_every_minute_schedules_make_requests_with_the_models_answer(
        self, templates: Templates, tmp_path: Path
    ) -> None:
        with (
            fresh_database(templates, "sqlite", tmp_path) as url,
            running_server(url, tmp_path / "data") as server,
            client_for(server.url, server.token) as api,
        ):
            create_square(api, "firing")
            package = model_zip(tmp_path / "square.zip", SQUARE_MODEL)
            api.model_versions_file_upload("firing", "square", "v1", file=str(package))
            deadline = time.monotonic() + 120
            while api.model_versions_get("firing", "square", "v1").status != "available":
                assert time.monotonic() < deadline
                time.sleep(0.2)
            every_minute = {"schedule": "* * * * *", "request_data": {"x": 4}}
            api.scheduled_requests_create("firing", schedule("batched", batch=True, **every_minute))
            api.scheduled_requests_create("firing", schedule("direct", **every_minute))

            result = wait_for_batch_result(api, "firing", time.monotonic() + 75)
            assert (result.status, result.result) == ("completed", {"y": 16.0})
            assert result.request_data == {"x": 4}
            deadline = time.monotonic() + 15
            while not any(status == "succeeded" for status, _ in direct_results(url)):
                assert time.monotonic() < deadline
                time.sleep(0.2)
            assert ("succeeded", {"y": 16.0}) in direct_results(url)
