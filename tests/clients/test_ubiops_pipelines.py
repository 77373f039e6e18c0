"""The ``ubiops==2.1.0`` client builds pipelines of models and makes requests to them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import ubiops
from ubiops.rest import ApiException

from tests.clients.conftest import core_api
from tests.support.packages import ECHO_MODEL, model_zip
from tests.support.server import RunningServer
from tests.support.targets import POSTGRES, postgres_connection, postgres_rows, postgres_schema
from tests.support.ubiops import error_of, unique

pytestmark = pytest.mark.slow

DOUBLE = """
class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        return {"y": data["x"] * 2}
"""
SQUARE = """
class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        return {"y": data["x"] * data["x"]}
"""
ADD = """
class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        total = data["a"] + data["b"]
        if total < 0:
            raise ValueError("negative total")
        return {"total": total}
"""


def fields(kind: type, **types: str) -> list[object]:
    return [kind(name=n, data_type=t) for n, t in types.items()]


def create_model(
    api: ubiops.CoreApi, project: str, name: str, inputs: dict[str, str], outputs: dict[str, str]
) -> None:
    api.models_create(
        project,
        ubiops.ModelCreate(
            name=name,
            input_type="structured",
            output_type="structured",
            input_fields=fields(ubiops.ModelInputFieldCreate, **inputs),
            output_fields=fields(ubiops.ModelOutputFieldCreate, **outputs),
        ),
    )
    api.model_versions_create(
        project, name, ubiops.ModelVersionCreate(version="v1", language="python3.8")
    )


def wait_available(api: ubiops.CoreApi, project: str, models: list[str]) -> None:
    deadline = time.monotonic() + 240
    for name in models:
        while (status := api.model_versions_get(project, name, "v1").status) != "available":
            assert status != "failed", f"{name} failed to build"
            assert time.monotonic() < deadline, f"{name} is still {status}"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def project(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A project with models double, square (x → y), add (a, b → total) and echo (plain), all
    available."""
    folder = tmp_path_factory.mktemp("pipelines")
    for api in core_api(server, server.token):
        name = unique("pipelines")
        api.projects_create(ubiops.ProjectCreate(name=name, organization_name="default"))
        create_model(api, name, "double", {"x": "double"}, {"y": "double"})
        create_model(api, name, "square", {"x": "double"}, {"y": "double"})
        create_model(api, name, "add", {"a": "double", "b": "double"}, {"total": "double"})
        api.models_create(
            name, ubiops.ModelCreate(name="echo", input_type="plain", output_type="plain")
        )
        api.model_versions_create(
            name, "echo", ubiops.ModelVersionCreate(version="v1", language="python3.8")
        )
        sources = (("double", DOUBLE), ("square", SQUARE), ("add", ADD), ("echo", ECHO_MODEL))
        for model, source in sources:
            package = model_zip(folder / f"{model}.zip", source)
            api.model_versions_file_upload(name, model, "v1", file=str(package))
        wait_available(api, name, [model for model, _ in sources])
        yield name
        for pipeline in api.pipelines_list(name):
            api.pipelines_delete(name, pipeline.name)
        api.projects_delete(name)


def attach(
    api: ubiops.CoreApi, project: str, pipeline: str, source: str, destination: str, **mapping: str
) -> ubiops.Attachments:
    fields_mapped = [
        ubiops.AttachmentFieldsCreate(source_field_name=s, destination_field_name=d)
        for d, s in mapping.items()
    ]
    return api.pipeline_object_attachments_create(
        project,
        pipeline,
        ubiops.AttachmentsCreate(
            source_name=source, destination_name=destination, mapping=fields_mapped
        ),
    )


def add_object(api: ubiops.CoreApi, project: str, pipeline: str, name: str, model: str) -> None:
    api.pipeline_objects_create(
        project,
        pipeline,
        ubiops.PipelineObjectCreate(
            name=name, reference_type="model", reference_name=model, version="v1"
        ),
    )


@pytest.fixture(scope="module")
def diamond(server: RunningServer, project: str) -> str:
    """start → twice (double) and sq (square) → sum (add): a fan-out and a join."""
    for api in core_api(server, server.token):
        name = unique("diamond")
        inputs = fields(ubiops.PipelineInputFieldCreate, x="double", label="string")
        api.pipelines_create(
            project, ubiops.PipelineCreate(name=name, input_type="structured", input_fields=inputs)
        )
        add_object(api, project, name, "twice", "double")
        add_object(api, project, name, "sq", "square")
        add_object(api, project, name, "sum", "add")
        attach(api, project, name, "pipeline_start", "twice", x="x")
        attach(api, project, name, "pipeline_start", "sq", x="x")
        attach(api, project, name, "twice", "sum", a="y", b="y")
        attach(api, project, name, "sq", "sum", b="y")
    return name


class TestPipelineRequests:
    def test_a_fan_out_and_a_join_return_every_model_result(
        self, api: ubiops.CoreApi, project: str, diamond: str
    ) -> None:
        result = api.pipelines_request(project, diamond, {"x": 3, "label": "three"})
        assert (result.project, result.pipeline) == (project, diamond)
        by_object = {r.pipeline_object: r for r in result.model_requests}
        assert set(by_object) == {"twice", "sq", "sum"}
        assert by_object["twice"].result == {"y": 6}
        assert by_object["sq"].result == {"y": 9}
        assert by_object["sum"].request_data == {"a": 6, "b": 9}
        assert by_object["sum"].result == {"total": 15}
        assert all(r.success and r.request_id for r in result.model_requests)

    def test_a_failing_object_fails_with_its_error_and_the_rest_is_reported(
        self, api: ubiops.CoreApi, project: str, diamond: str
    ) -> None:
        result = api.pipelines_request(project, diamond, {"x": -1, "label": "minus"})
        by_object = {r.pipeline_object: r for r in result.model_requests}
        assert by_object["twice"].success
        assert by_object["sq"].success
        assert by_object["sum"].success is False
        assert by_object["sum"].result is None
        assert "negative total" in by_object["sum"].error_message

    def test_bad_input_and_timeouts_are_refused_with_the_field(
        self, api: ubiops.CoreApi, project: str, diamond: str
    ) -> None:
        with pytest.raises(ApiException) as caught:
            api.pipelines_request(project, diamond, {"x": "three", "label": "x"})
        assert caught.value.status == 400
        assert "field 'x' must be a number" in error_of(caught.value)["error"]
        with pytest.raises(ApiException) as caught:
            api.pipelines_request(project, diamond, {"x": 1, "label": "a"}, pipeline_timeout=7201)
        assert caught.value.status == 400
        assert error_of(caught.value)["field"] == "pipeline_timeout"
        with pytest.raises(ApiException) as caught:
            api.pipelines_request(project, diamond, {"x": 1, "label": "a"}, model_timeout=3601)
        assert error_of(caught.value)["field"] == "model_timeout"

    def test_a_plain_pipeline_directly_and_in_a_batch(
        self, api: ubiops.CoreApi, project: str
    ) -> None:
        name = unique("plain")
        api.pipelines_create(project, ubiops.PipelineCreate(name=name, input_type="plain"))
        add_object(api, project, name, "echo", "echo")
        attach(api, project, name, "pipeline_start", "echo")
        result = api.pipelines_request(project, name, "hello")
        assert [(r.pipeline_object, r.result) for r in result.model_requests] == [("echo", "hello")]
        (created,) = api.batch_pipeline_requests_create(project, name, ["queued hello"])
        (done,) = collect_when_done(api, project, name, [created.id]).values()
        assert (done.status, done.request_data) == ("completed", None)
        assert done.model_requests[0].result == "queued hello"
        api.pipelines_delete(project, name)


class TestBuildingPipelines:
    @pytest.fixture
    def pipeline(self, api: ubiops.CoreApi, project: str) -> Iterator[str]:
        name = unique("build")
        inputs = fields(ubiops.PipelineInputFieldCreate, x="double", label="string")
        api.pipelines_create(
            project, ubiops.PipelineCreate(name=name, input_type="structured", input_fields=inputs)
        )
        add_object(api, project, name, "one", "double")
        add_object(api, project, name, "two", "double")
        yield name
        api.pipelines_delete(project, name)

    def test_objects_and_attachments_are_listed_and_read_back(
        self, api: ubiops.CoreApi, project: str, pipeline: str
    ) -> None:
        made = attach(api, project, pipeline, "pipeline_start", "one", x="x")
        assert made.id
        assert made.mapping[0].destination_field_name == "x"
        attach(api, project, pipeline, "one", "two", x="y")
        objects = api.pipeline_objects_list(project, pipeline)
        assert [(o.name, o.reference_name, o.version) for o in objects] == [
            ("one", "double", "v1"),
            ("two", "double", "v1"),
        ]
        assert objects[0].input_fields[0].name == "x"
        assert len(api.pipeline_object_attachments_list(project, pipeline)) == 2
        of_one = api.pipeline_object_attachments_source_get(project, pipeline, "one")
        assert [a.destination_name for a in of_one] == ["two"]
        got = api.pipeline_object_attachments_get(project, "two", pipeline, "one")
        assert got.mapping[0].source_field_name == "y"
        api.pipeline_object_attachments_delete(project, "two", pipeline, "one")
        assert len(api.pipeline_object_attachments_list(project, pipeline)) == 1
        renamed = api.pipeline_objects_update(
            project, "two", pipeline, ubiops.PipelineObjectUpdate(name="second")
        )
        assert renamed.name == "second"
        api.pipeline_objects_delete(project, "one", pipeline)
        assert api.pipeline_object_attachments_list(project, pipeline) == []

    def test_a_bad_mapping_is_refused_naming_the_field(
        self, api: ubiops.CoreApi, project: str, pipeline: str
    ) -> None:
        with pytest.raises(ApiException) as caught:
            attach(api, project, pipeline, "pipeline_start", "one", x="nope")
        assert caught.value.status == 400
        body = error_of(caught.value)
        assert body["field"] == "mapping[0].source_field_name"
        assert "no output field 'nope'" in body["error"]
        with pytest.raises(ApiException) as caught:
            attach(api, project, pipeline, "pipeline_start", "one")
        assert (
            "must map every input field of 'one'; not mapped: x" in error_of(caught.value)["error"]
        )

    def test_a_type_mismatch_is_refused(
        self, api: ubiops.CoreApi, project: str, pipeline: str
    ) -> None:
        with pytest.raises(ApiException) as caught:
            attach(api, project, pipeline, "pipeline_start", "one", x="label")
        assert caught.value.status == 400
        body = error_of(caught.value)
        assert body["field"] == "mapping[0]"
        assert "'label' of 'pipeline_start' is string" in body["error"]

    def test_a_cycle_is_refused_naming_the_objects(
        self, api: ubiops.CoreApi, project: str, pipeline: str
    ) -> None:
        attach(api, project, pipeline, "pipeline_start", "one", x="x")
        attach(api, project, pipeline, "one", "two", x="y")
        with pytest.raises(ApiException) as caught:
            attach(api, project, pipeline, "two", "one", x="y")
        assert caught.value.status == 400
        assert "would make a cycle: two → one → two" in error_of(caught.value)["error"]
        assert len(api.pipeline_object_attachments_list(project, pipeline)) == 2

    def test_a_model_in_a_pipeline_cannot_be_deleted(
        self, api: ubiops.CoreApi, project: str, pipeline: str
    ) -> None:
        with pytest.raises(ApiException) as caught:
            api.model_versions_delete(project, "double", "v1")
        assert caught.value.status == 409
        assert f"object 'one' of pipeline '{pipeline}'" in error_of(caught.value)["error"]
        with pytest.raises(ApiException) as caught:
            api.models_delete(project, "double")
        assert caught.value.status == 409

    def test_pipeline_crud_and_input_changes(
        self, api: ubiops.CoreApi, project: str, pipeline: str
    ) -> None:
        attach(api, project, pipeline, "pipeline_start", "one", x="x")
        renamed = api.pipelines_update(
            project, pipeline, ubiops.PipelineCreate(name=f"{pipeline}-b", input_type="structured")
        )
        assert [f.name for f in renamed.input_fields] == ["x", "label"]
        with pytest.raises(ApiException) as caught:
            api.pipelines_update(
                project, renamed.name, ubiops.PipelineCreate(name=renamed.name, input_type="plain")
            )
        assert caught.value.status == 400
        assert error_of(caught.value)["field"] == "input_fields"
        api.pipelines_update(
            project, renamed.name, ubiops.PipelineCreate(name=pipeline, input_type="structured")
        )
        assert api.pipelines_get(project, pipeline).name == pipeline
        assert pipeline in [p.name for p in api.pipelines_list(project)]

    def test_object_variables_and_a_schedule_on_the_pipeline(
        self, api: ubiops.CoreApi, project: str, pipeline: str
    ) -> None:
        api.model_environment_variables_create(
            project,
            "double",
            ubiops.EnvironmentVariableCreate(name="SCALE", value="2", secret=False),
        )
        found = api.pipeline_object_environment_variables_list(project, "one", pipeline)
        scale = {v.name: v for v in found}["SCALE"]
        assert (scale.value, scale.inheritance_type, scale.inheritance_name) == (
            "2",
            "model",
            "double",
        )
        attach(api, project, pipeline, "pipeline_start", "one", x="x")
        made = api.scheduled_requests_create(
            project,
            ubiops.ScheduleCreate(
                name=unique("every-minute"),
                object_type="pipeline",
                object_name=pipeline,
                schedule="* * * * *",
                request_data={"x": 1, "label": "tick"},
            ),
        )
        assert (made.object_type, made.object_name) == ("pipeline", pipeline)
        api.scheduled_requests_delete(project, made.name)


def collect_when_done(api: ubiops.CoreApi, project: str, pipeline: str, ids: list[str]) -> dict:
    deadline = time.monotonic() + 90
    while True:
        found = api.batch_pipeline_requests_batch_collect(project, pipeline, ids)
        if all(r.status in ("completed", "failed") for r in found):
            return {r.id: r for r in found}
        assert time.monotonic() < deadline, [r.status for r in found]
        time.sleep(0.2)


class TestBatchPipelineRequests:
    def test_created_collected_listed_and_deleted(
        self, api: ubiops.CoreApi, project: str, diamond: str
    ) -> None:
        items = [{"x": 1, "label": "a"}, {"x": 2, "label": "b"}, {"x": -1, "label": "c"}]
        created = api.batch_pipeline_requests_create(project, diamond, items)
        assert [r.status for r in created] == ["pending"] * 3
        ids = [r.id for r in created]
        results = collect_when_done(api, project, diamond, ids)
        good, bad = results[ids[1]], results[ids[2]]
        assert (good.status, good.success, good.error_message) == ("completed", True, None)
        sums = {m.pipeline_object: m.result for m in good.model_requests}
        assert sums == {"twice": {"y": 4}, "sq": {"y": 4}, "sum": {"total": 8}}
        assert good.model_requests[0].time_created is not None
        assert (bad.status, bad.success) == ("failed", False)
        assert "negative total" in bad.error_message
        assert len(bad.model_requests) == 3

        failed = api.batch_pipeline_requests_list(project, diamond, status="failed")
        assert ids[2] in {r.id for r in failed}
        assert ids[1] not in {r.id for r in failed}
        succeeded = api.batch_pipeline_requests_list(project, diamond, success=True)
        assert {ids[0], ids[1]} <= {r.id for r in succeeded}
        one = api.batch_pipeline_request_get(project, diamond, ids[0])
        assert one.request_data == {"x": "1", "label": "a"}  # the client reads str values

        api.batch_pipeline_request_delete(project, diamond, ids[0])
        api.batch_pipeline_requests_batch_delete(project, diamond, ids[1:])
        with pytest.raises(ApiException) as caught:
            api.batch_pipeline_request_get(project, diamond, ids[1])
        assert caught.value.status == 404

    def test_limits_and_unknown_ids(self, api: ubiops.CoreApi, project: str, diamond: str) -> None:
        with pytest.raises(ApiException) as caught:
            api.batch_pipeline_requests_create(project, diamond, [{"x": 1, "label": "a"}] * 101)
        assert caught.value.status == 400
        assert "100" in error_of(caught.value)["error"]
        with pytest.raises(ApiException) as caught:
            api.batch_pipeline_requests_create(project, diamond, [{"x": 1, "label": "a"}, {"x": 1}])
        assert error_of(caught.value)["field"] == "data[1]"
        unknown = "00000000-0000-4000-8000-000000000000"
        with pytest.raises(ApiException) as caught:
            api.batch_pipeline_requests_batch_collect(project, diamond, [unknown])
        assert caught.value.status == 404
        assert unknown in json.loads(caught.value.body)["error"]


class TestConnectorDestination:
    def test_a_postgresql_connector_writes_the_rows_and_its_failure_fails_the_request(
        self, api: ubiops.CoreApi, project: str
    ) -> None:
        with postgres_schema("CREATE TABLE {table} (y double precision, label text)") as schema:
            connector = make_pg_connector(api, project, schema)
            pipeline = unique("to-pg")
            inputs = fields(ubiops.PipelineInputFieldCreate, x="double", label="string")
            api.pipelines_create(
                project,
                ubiops.PipelineCreate(name=pipeline, input_type="structured", input_fields=inputs),
            )
            add_object(api, project, pipeline, "twice", "double")
            api.pipeline_objects_create(
                project,
                pipeline,
                ubiops.PipelineObjectCreate(
                    name="rows", reference_type="connector", reference_name=connector
                ),
            )
            with pytest.raises(ApiException) as caught:
                api.connectors_delete(project, connector)
            assert caught.value.status == 409
            with pytest.raises(ApiException) as caught:
                attach(api, project, pipeline, "rows", "twice", x="y")
            assert "can only be a destination" in error_of(caught.value)["error"]
            attach(api, project, pipeline, "pipeline_start", "twice", x="x")
            attach(api, project, pipeline, "pipeline_start", "rows", y="x", label="label")
            attach(api, project, pipeline, "twice", "rows", y="y")

            result = api.pipelines_request(project, pipeline, {"x": 4, "label": "four"})
            assert [r.pipeline_object for r in result.model_requests] == ["twice"]
            assert postgres_rows(schema, "y, label") == [(8.0, "four")]

            with postgres_connection() as connection:
                connection.execute(f'DROP TABLE "{schema}"."items"'.encode())
            failed = api.pipelines_request(project, pipeline, {"x": 1, "label": "one"})
            by_object = {r.pipeline_object: r for r in failed.model_requests}
            assert by_object["twice"].success is True
            assert by_object["rows"].success is False
            assert f"Connector '{connector}'" in by_object["rows"].error_message

            api.pipelines_delete(project, pipeline)
            api.connectors_delete(project, connector)
            assert connector not in [c.name for c in api.connectors_list(project)]


def make_pg_connector(api: ubiops.CoreApi, project: str, schema: str) -> str:
    credentials = unique("pg")
    api.credentials_create(
        project,
        ubiops.CredentialsCreate(name=credentials, type="postgresql", configuration=POSTGRES),
    )
    name = unique("pg-rows")
    api.connectors_create(
        project,
        ubiops.ConnectorCreate(
            name=name,
            type="postgresql",
            credentials=credentials,
            configuration={"schema": schema, "table": "items"},
            input_fields=[
                ubiops.ConnectorFieldCreate(name="y", data_type="double"),
                ubiops.ConnectorFieldCreate(name="label", data_type="string"),
            ],
        ),
    )
    return name
