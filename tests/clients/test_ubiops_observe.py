"""The ``ubiops==2.1.0`` client reads logs, metrics and usage; changes leave audit entries."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
import ubiops
from ubiops.rest import ApiException

from tests.clients.conftest import core_api
from tests.support.packages import model_zip
from tests.support.server import RunningServer
from tests.support.ubiops import error_of

pytestmark = pytest.mark.slow

PRINTING_MODEL = """
class Model:
    def __init__(self, base_directory, context):
        print("model loaded")

    def request(self, data):
        print(f"handling {data['x']}")
        if data["x"] < 0:
            raise ValueError("negative input")
        return {"y": data["x"] * 2}
"""
SECRET = "s3cr3t-value-never-shown"
FLUSH_SECONDS = 2.0
T = TypeVar("T")


def eventually(probe: Callable[[], T], ok: Callable[[T], bool], *, within: float = 20) -> T:
    """Probe until ``ok`` holds (logs, metrics and audit entries are written in batches)."""
    deadline = time.monotonic() + within
    while True:
        found = probe()
        if ok(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


@pytest.fixture(scope="module")
def deployed(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A project with model ``double`` v1 available and a secret variable; yields its name."""
    for api in core_api(server, server.token):
        project = f"observe-{uuid.uuid4().hex[:8]}"
        api.projects_create(ubiops.ProjectCreate(name=project, organization_name="default"))
        api.models_create(
            project,
            ubiops.ModelCreate(
                name="double",
                input_type="structured",
                output_type="structured",
                input_fields=[ubiops.ModelInputFieldCreate(name="x", data_type="double")],
                output_fields=[ubiops.ModelOutputFieldCreate(name="y", data_type="double")],
            ),
        )
        api.model_versions_create(
            project, "double", ubiops.ModelVersionCreate(version="v1", language="python3.8")
        )
        api.project_environment_variables_create(
            project, ubiops.EnvironmentVariableCreate(name="TOKEN", value=SECRET, secret=True)
        )
        package = model_zip(tmp_path_factory.mktemp("observe") / "p.zip", PRINTING_MODEL)
        api.model_versions_file_upload(project, "double", "v1", file=str(package))
        deadline = time.monotonic() + 120
        while api.model_versions_get(project, "double", "v1").status != "available":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        yield project
        api.projects_delete(project)


def direct_request(api: ubiops.CoreApi, project: str, data: Any) -> dict[str, Any]:
    """The client's ``ModelRequestList`` drops ``request_id``; the raw answer carries it."""
    raw = api.model_requests_create(project, "double", "v1", data, _preload_content=False)
    answer: dict[str, Any] = json.loads(raw.data)
    return answer


def log_list(api: ubiops.CoreApi, project: str, **query: Any) -> list[Any]:
    return list(api.projects_log_list(project, ubiops.LogsCreate(**query)))


class TestLogs:
    def test_a_requests_lines_are_found_by_its_id(self, api: ubiops.CoreApi, deployed: str) -> None:
        result = direct_request(api, deployed, {"x": 3})
        assert result["success"]
        lines = eventually(
            lambda: log_list(api, deployed, filters={"request_id": result["request_id"]}),
            lambda found: any("handling 3" in line.log for line in found),
        )
        [line] = [line for line in lines if "handling 3" in line.log]
        assert (line.model_name, line.model_version, line.request_id) == (
            "double",
            "v1",
            result["request_id"],
        )
        assert line.system is False
        assert len(line.id) == 24

    def test_a_batch_requests_lines_are_found_by_its_id(
        self, api: ubiops.CoreApi, deployed: str
    ) -> None:
        [created] = api.batch_model_requests_create(deployed, "double", "v1", [{"x": 7}])
        lines = eventually(
            lambda: log_list(api, deployed, filters={"request_id": created.id}),
            lambda found: any("handling 7" in line.log for line in found),
        )
        assert [line.log for line in lines if not line.system] == ["handling 7"]

    def test_a_failed_request_leaves_a_system_line(
        self, api: ubiops.CoreApi, deployed: str
    ) -> None:
        result = direct_request(api, deployed, {"x": -1})
        assert not result["success"]
        filters = {"request_id": result["request_id"], "system": "true"}
        lines = eventually(
            lambda: log_list(api, deployed, filters=filters),
            lambda found: any("failed" in line.log for line in found),
        )
        assert any("negative input" in line.log for line in lines)
        assert all(line.system for line in lines)

    def test_builds_and_instances_leave_system_lines_of_the_version(
        self, api: ubiops.CoreApi, deployed: str
    ) -> None:
        filters = {"model_name": "double", "model_version": "v1", "system": True}
        system = [line.log for line in log_list(api, deployed, filters=filters, limit=500)]
        assert "build of revision 1 started" in system
        assert "build of revision 1 succeeded" in system
        user = log_list(api, deployed, filters={"model_name": "double", "system": False})
        assert user
        assert not any(line.system for line in user)
        assert log_list(api, deployed, filters={"model_name": "other"}) == []

    def test_lines_of_a_pipeline_request_carry_the_pipeline_and_object(
        self, api: ubiops.CoreApi, deployed: str
    ) -> None:
        pipeline = f"doubling-{uuid.uuid4().hex[:6]}"
        inputs = [ubiops.PipelineInputFieldCreate(name="x", data_type="double")]
        api.pipelines_create(
            deployed,
            ubiops.PipelineCreate(name=pipeline, input_type="structured", input_fields=inputs),
        )
        api.pipeline_objects_create(
            deployed,
            pipeline,
            ubiops.PipelineObjectCreate(
                name="twice", reference_type="model", reference_name="double", version="v1"
            ),
        )
        mapping = [ubiops.AttachmentFieldsCreate(source_field_name="x", destination_field_name="x")]
        api.pipeline_object_attachments_create(
            deployed,
            pipeline,
            ubiops.AttachmentsCreate(
                source_name="pipeline_start", destination_name="twice", mapping=mapping
            ),
        )
        result = api.pipelines_request(deployed, pipeline, {"x": 55})
        filters = {"pipeline_name": pipeline, "pipeline_object_name": "twice"}
        lines = eventually(
            lambda: log_list(api, deployed, filters=filters),
            lambda found: any("handling 55" in line.log for line in found),
        )
        [line] = [line for line in lines if "handling 55" in line.log]
        assert line.pipeline_request_id == result.pipeline_request_id
        assert (line.model_name, line.pipeline_object_name) == ("double", "twice")
        by_request = log_list(
            api, deployed, filters={"pipeline_request_id": result.pipeline_request_id}
        )
        assert [found.id for found in by_request] == [line.id]
        api.pipelines_delete(deployed, pipeline)

    def test_pages_continue_from_a_log_id_in_either_direction(
        self, api: ubiops.CoreApi, deployed: str
    ) -> None:
        for x in range(4):
            api.model_requests_create(deployed, "double", "v1", {"x": 100 + x})
        everything = eventually(
            lambda: log_list(api, deployed, filters={"system": False}, limit=500),
            lambda found: sum("handling 10" in line.log for line in found) >= 4,
        )
        newest = log_list(api, deployed, filters={"system": False}, limit=3)
        assert [line.id for line in newest] == [line.id for line in everything[-3:]]
        anchor = newest[0].id
        back = log_list(
            api, deployed, filters={"system": False}, id=anchor, date_range=-86400, limit=3
        )
        assert back[-1].id == anchor
        assert [line.id for line in back] == [line.id for line in everything[-5:-2]]
        forward = log_list(
            api, deployed, filters={"system": False}, id=back[0].id, date_range=86400, limit=3
        )
        assert [line.id for line in forward] == [line.id for line in back]

    def test_out_of_range_values_get_a_400_naming_the_field(
        self, api: ubiops.CoreApi, deployed: str
    ) -> None:
        for query, field in (
            ({"date_range": 90000}, "date_range"),
            ({"limit": 501}, "limit"),
            ({"id": "x" * 24}, "id"),
            ({"filters": {"model_version": "v1"}}, "filters.model_version"),
        ):
            with pytest.raises(ApiException) as caught:
                log_list(api, deployed, **{"filters": {}, **query})
            assert caught.value.status == 400
            assert error_of(caught.value)["field"] == field


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class TestMetrics:
    def test_requests_per_minute_with_zeros_in_empty_minutes(
        self, api: ubiops.CoreApi, deployed: str
    ) -> None:
        version_id = api.model_versions_get(deployed, "double", "v1").id
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=3)
        time.sleep(FLUSH_SECONDS + 0.5)  # the other tests' requests are counted by now
        before = self.total(api, deployed, version_id, start)
        for x in range(5):
            api.model_requests_create(deployed, "double", "v1", {"x": x})
        points = eventually(
            lambda: self.points(api, deployed, version_id, start),
            lambda found: sum(p.value for p in found) >= before + 5,
        )
        assert sum(p.value for p in points) == before + 5
        assert len(points) >= 4
        assert points[0].value == 0
        assert points[0].start_time == start
        assert points[1].start_time - points[0].start_time == timedelta(minutes=1)

    def points(self, api: ubiops.CoreApi, project: str, version_id: str, start: datetime) -> Any:
        end = datetime.now(UTC) + timedelta(minutes=1)
        return api.metrics_get(
            project,
            "requests",
            iso(start),
            iso(end),
            "model_version",
            interval="minute",
            object_id=version_id,
        )

    def total(self, api: ubiops.CoreApi, project: str, version_id: str, start: datetime) -> float:
        return float(sum(p.value for p in self.points(api, project, version_id, start)))

    def test_running_instances_are_counted(self, api: ubiops.CoreApi, deployed: str) -> None:
        api.model_requests_create(deployed, "double", "v1", {"x": 1})
        start = datetime.now(UTC) - timedelta(minutes=2)

        def instances() -> list[Any]:
            end = datetime.now(UTC)
            found = api.metrics_get(
                deployed, "instances", iso(start), iso(end), "model_version", interval="minute"
            )
            return list(found)

        points = eventually(instances, lambda found: any(p.value > 0 for p in found), within=30)
        assert 0 < max(p.value for p in points) <= 1
        gb_seconds = api.metrics_get(
            deployed, "gb_seconds", iso(start), iso(datetime.now(UTC)), "model_version"
        )
        assert sum(p.value for p in gb_seconds) > 0

    def test_every_seed_metric_answers(self, api: ubiops.CoreApi, deployed: str) -> None:
        end = datetime.now(UTC)
        start = end - timedelta(hours=2)
        for object_type, names in (
            ("model_version", ["input_volume", "output_volume", "outputs", "compute"]),
            ("model_version", ["instances", "gb_seconds", "active_time"]),
            ("pipeline", ["requests", "input_volume", "object_requests"]),
            ("connector", ["requests", "volume"]),
        ):
            for name in names:
                points = api.metrics_get(deployed, name, iso(start), iso(end), object_type)
                assert len(points) in (2, 3)

    def test_an_unknown_metric_gets_a_400(self, api: ubiops.CoreApi, deployed: str) -> None:
        now = iso(datetime.now(UTC))
        with pytest.raises(ApiException) as caught:
            api.metrics_get(deployed, "happiness", now, now, "model_version")
        assert caught.value.status == 400
        assert error_of(caught.value)["field"] == "metric"


class TestUsage:
    def test_usage_of_the_project_and_its_organization(
        self, api: ubiops.CoreApi, deployed: str
    ) -> None:
        api.model_requests_create(deployed, "double", "v1", {"x": 1})

        def requests_now(series: Any) -> float:
            found = [
                u for u in series if (u.object_type, u.metric) == ("model_version", "requests")
            ]
            return float(found[0].usage[-1].value)

        project = eventually(
            lambda: api.project_usage_get(deployed), lambda found: requests_now(found) >= 1
        )
        assert requests_now(project) >= 1
        organization = api.organization_usage_get("default")
        assert requests_now(organization) >= requests_now(project)
        month = datetime.now(UTC).strftime("%Y-%m")
        details = api.organization_usage_details_get("default", month=month)
        per_day = next(u for u in details if u.metric == "requests").usage
        assert sum(day.value for day in per_day) >= 1
        assert per_day[0].day.day == 1


class TestAudit:
    def test_a_create_is_in_the_audit_log_without_secrets(
        self, server: RunningServer, deployed: str
    ) -> None:
        output = eventually(
            lambda: server.cli("audit", "list", "--project", deployed).stdout,
            lambda text: "environment-variables" in text,
        )
        lines = output.splitlines()
        assert any(line.endswith(f"POST /v2.1/projects/{deployed}/models") for line in lines)
        assert "admin@modelyard.local" in output
        assert SECRET not in output
        assert server.token not in output
