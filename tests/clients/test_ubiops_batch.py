"""The ``ubiops==2.1.0`` client queues, lists, collects and deletes batch requests."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
import ubiops
from ubiops.rest import ApiException

from tests.clients.conftest import core_api
from tests.support.packages import model_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.slow

SQUARE_MODEL = """
class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        if data["x"] < 0:
            raise ValueError("negative input")
        return {"y": data["x"] * data["x"]}
"""


@pytest.fixture(scope="module")
def deployed(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A project with model ``square`` v1 available; yields the project name."""
    for api in core_api(server, server.token):
        project = f"batch-{uuid.uuid4().hex[:8]}"
        api.projects_create(ubiops.ProjectCreate(name=project, organization_name="default"))
        fields = [ubiops.ModelInputFieldCreate(name="x", data_type="double")]
        outputs = [ubiops.ModelOutputFieldCreate(name="y", data_type="double")]
        api.models_create(
            project,
            ubiops.ModelCreate(
                name="square",
                input_type="structured",
                output_type="structured",
                input_fields=fields,
                output_fields=outputs,
            ),
        )
        api.model_versions_create(
            project, "square", ubiops.ModelVersionCreate(version="v1", language="python3.8")
        )
        package = model_zip(tmp_path_factory.mktemp("batch") / "p.zip", SQUARE_MODEL)
        api.model_versions_file_upload(project, "square", "v1", file=str(package))
        deadline = time.monotonic() + 120
        while api.model_versions_get(project, "square", "v1").status != "available":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        yield project
        api.projects_delete(project)


def collect_when_done(api: ubiops.CoreApi, project: str, ids: list[str]) -> list[object]:
    deadline = time.monotonic() + 60
    while True:
        results = api.batch_model_requests_batch_collect(project, "square", "v1", ids)
        if all(r.status in ("completed", "failed") for r in results) or time.monotonic() > deadline:
            return list(results)
        time.sleep(0.2)


class TestBatchRequests:
    """Note: the client's get and delete take ``request_id`` before ``version``."""

    def test_create_collect_list_and_delete(self, api: ubiops.CoreApi, deployed: str) -> None:
        created = api.batch_model_requests_create(
            deployed, "square", "v1", [{"x": 2}, {"x": 3.5}, {"x": -1}]
        )
        assert [r.status for r in created] == ["pending"] * 3
        ids = [r.id for r in created]
        results = {r.id: r for r in collect_when_done(api, deployed, ids)}
        assert results[ids[0]].status == "completed"
        assert results[ids[0]].success is True
        assert results[ids[0]].result == {"y": 4.0}
        assert results[ids[0]].request_data == {"x": 2}
        assert results[ids[1]].result == {"y": 12.25}
        failed = results[ids[2]]
        assert (failed.status, failed.success, failed.result) == ("failed", False, None)
        assert "negative input" in failed.error_message

        one = api.batch_model_requests_get(deployed, "square", ids[0], "v1")
        assert one.result == {"y": 4.0}
        completed = api.batch_model_requests_list(deployed, "square", "v1", status="completed")
        assert {ids[0], ids[1]} <= {r.id for r in completed}
        failures = api.batch_model_requests_list(deployed, "square", "v1", success=False)
        assert ids[2] in {r.id for r in failures}
        assert ids[0] not in {r.id for r in failures}
        oldest = api.batch_model_requests_list(deployed, "square", "v1", sort="asc", limit=1)
        newest = api.batch_model_requests_list(deployed, "square", "v1", sort="desc", limit=1)
        assert oldest[0].time_created <= newest[0].time_created

        api.batch_model_requests_delete(deployed, "square", ids[2], "v1")
        api.batch_model_requests_batch_delete(deployed, "square", "v1", ids[:2])
        with pytest.raises(ApiException) as caught:
            api.batch_model_requests_get(deployed, "square", ids[0], "v1")
        assert caught.value.status == 404

    def test_a_single_object_is_one_request(self, api: ubiops.CoreApi, deployed: str) -> None:
        created = api.batch_model_requests_create(deployed, "square", "v1", {"x": 1})
        assert len(created) == 1


class TestRefusals:
    def test_one_faulty_item_refuses_the_call_and_names_it(
        self, api: ubiops.CoreApi, deployed: str
    ) -> None:
        before = len(api.batch_model_requests_list(deployed, "square", "v1", limit=1000))
        with pytest.raises(ApiException) as caught:
            api.batch_model_requests_create(deployed, "square", "v1", [{"x": 1}, {"y": 2}])
        assert caught.value.status == 400
        body = json.loads(caught.value.body)
        assert body["field"] == "data[1]"
        assert "missing field 'x'" in body["error"]
        after = len(api.batch_model_requests_list(deployed, "square", "v1", limit=1000))
        assert after == before

    def test_more_than_250_is_refused(self, api: ubiops.CoreApi, deployed: str) -> None:
        with pytest.raises(ApiException) as caught:
            api.batch_model_requests_create(deployed, "square", "v1", [{"x": 1}] * 251)
        assert caught.value.status == 400
        assert "250" in json.loads(caught.value.body)["error"]

    def test_collect_with_an_unknown_id_returns_nothing(
        self, api: ubiops.CoreApi, deployed: str
    ) -> None:
        (known,) = api.batch_model_requests_create(deployed, "square", "v1", [{"x": 1}])
        unknown = str(uuid.uuid4())
        with pytest.raises(ApiException) as caught:
            api.batch_model_requests_batch_collect(deployed, "square", "v1", [known.id, unknown])
        assert caught.value.status == 404
        assert unknown in json.loads(caught.value.body)["error"]
        with pytest.raises(ApiException) as deleting:
            api.batch_model_requests_batch_delete(deployed, "square", "v1", [known.id, unknown])
        assert deleting.value.status == 404
        assert api.batch_model_requests_get(deployed, "square", known.id, "v1").id == known.id

    def test_bad_status_filter(self, api: ubiops.CoreApi, deployed: str) -> None:
        with pytest.raises(ApiException) as caught:
            api.batch_model_requests_list(deployed, "square", "v1", status="done")
        assert caught.value.status == 400
        assert json.loads(caught.value.body)["field"] == "status"
