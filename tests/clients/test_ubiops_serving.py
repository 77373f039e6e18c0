"""The ``ubiops==2.1.0`` client deploys a model and calls it: the whole serving path."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ubiops
from ubiops.rest import ApiException

from tests.support.packages import model_zip
from tests.support.ubiops import unique

pytestmark = pytest.mark.slow

STRUCTURED_MODEL = """
import six


class Model:
    def __init__(self, base_directory, context):
        self.greeting = "hello"
        self.context = context

    def request(self, data):
        print("scoring", data["x"])
        return {"y": data["x"] * 2, "greeting": self.greeting + " " + data["name"]}
"""

RAISING_MODEL = """
class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        raise ValueError("cannot score " + data)
"""

BROKEN_MODEL = """
import a_module_that_does_not_exist


class Model:
    pass
"""

BLOB_MODEL = """
import os


class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        with open(data["file"], "rb") as source:
            content = source.read()
        target = os.path.join(os.path.dirname(data["file"]), "reversed.bin")
        with open(target, "wb") as out:
            out.write(content[::-1])
        return {"file": target, "size": len(content)}
"""


def fields(**types: str) -> list[ubiops.ModelInputFieldCreate]:
    return [ubiops.ModelInputFieldCreate(name=n, data_type=t) for n, t in types.items()]


def wait_for_build(api: ubiops.CoreApi, project: str, model: str, version: str) -> str:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = api.model_versions_get(project, model, version).status
        if status in ("available", "failed"):
            return str(status)
        time.sleep(0.3)
    raise AssertionError(f"{model}/{version} is still building")


def deploy(api: ubiops.CoreApi, project: str, model: str, package: Path) -> str:
    api.model_versions_create(
        project, model, ubiops.ModelVersionCreate(version="v1", language="python3.8")
    )
    api.model_versions_file_upload(project, model, "v1", file=str(package))
    return wait_for_build(api, project, model, "v1")


@pytest.fixture
def project(api: ubiops.CoreApi) -> Iterator[str]:
    name = unique("serving")
    api.projects_create(ubiops.ProjectCreate(name=name, organization_name="default"))
    yield name
    api.projects_delete(name)


class TestStructuredModel:
    def test_deploy_request_scale_and_delete(
        self, api: ubiops.CoreApi, project: str, tmp_path: Path
    ) -> None:
        created = api.models_create(
            project,
            ubiops.ModelCreate(
                name="doubler",
                input_type="structured",
                output_type="structured",
                input_fields=fields(x="double", name="string"),
                output_fields=fields(y="double", greeting="string"),
            ),
        )
        assert created.number_of_versions in (0, "0")
        package = model_zip(tmp_path / "p.zip", STRUCTURED_MODEL, requirements="six==1.16.0\n")
        assert deploy(api, project, "doubler", package) == "available"

        result = api.model_requests_create(project, "doubler", "v1", {"x": 2.5, "name": "ada"})
        assert result.success is True
        assert result.result == {"y": 5.0, "greeting": "hello ada"}

        with pytest.raises(ApiException) as caught:
            api.model_requests_create(project, "doubler", "v1", {"x": "two", "extra": 1})
        assert caught.value.status == 400
        error = json.loads(caught.value.body)["error"]
        assert "missing field 'name'" in error
        assert "unknown field 'extra'" in error
        assert "field 'x' must be a number" in error

        scaled = api.model_versions_update(
            project,
            "doubler",
            "v1",
            ubiops.ModelVersionCreate(version="v1", language="python3.8", maximum_instances=2),
        )
        assert (scaled.maximum_instances, scaled.status) == (2, "available")
        assert api.model_requests_create(project, "doubler", "v1", {"x": 1, "name": "b"}).success
        assert api.models_get(project, "doubler").number_of_versions in (1, "1")

        download = api.model_versions_file_download(project, "doubler", "v1")
        assert download.data == package.read_bytes()
        assert download.getheader("Content-Disposition") == 'attachment; filename="doubler-v1.zip"'

        api.model_versions_delete(project, "doubler", "v1")
        api.models_delete(project, "doubler")
        assert api.models_list(project) == []


class TestPlainAndFailingModels:
    def test_plain_in_plain_out(self, api: ubiops.CoreApi, project: str, tmp_path: Path) -> None:
        api.models_create(
            project, ubiops.ModelCreate(name="echo", input_type="plain", output_type="plain")
        )
        assert deploy(api, project, "echo", model_zip(tmp_path / "e.zip")) == "available"
        result = api.model_requests_create(project, "echo", "v1", "hello")
        assert (result.success, result.result) == (True, "hello")

    def test_raising_model_fails_the_request_not_the_server(
        self, api: ubiops.CoreApi, project: str, tmp_path: Path
    ) -> None:
        api.models_create(
            project, ubiops.ModelCreate(name="raiser", input_type="plain", output_type="plain")
        )
        assert (
            deploy(api, project, "raiser", model_zip(tmp_path / "r.zip", RAISING_MODEL))
            == "available"
        )
        result = api.model_requests_create(project, "raiser", "v1", "x")
        assert result.success is False
        assert result.result is None
        assert "ValueError: cannot score x" in result.error_message

    def test_broken_package_fails_its_build_with_the_reason(
        self, api: ubiops.CoreApi, project: str, tmp_path: Path
    ) -> None:
        api.models_create(
            project, ubiops.ModelCreate(name="broken", input_type="plain", output_type="plain")
        )
        assert (
            deploy(api, project, "broken", model_zip(tmp_path / "b.zip", BROKEN_MODEL)) == "failed"
        )
        version = api.model_versions_get(project, "broken", "v1")
        assert "a_module_that_does_not_exist" in version.error_message
        with pytest.raises(ApiException) as caught:
            api.model_requests_create(project, "broken", "v1", "x")
        assert caught.value.status == 409
        assert "failed" in json.loads(caught.value.body)["error"]

    def test_zip_with_parent_paths_is_refused(
        self, api: ubiops.CoreApi, project: str, tmp_path: Path
    ) -> None:
        import zipfile

        api.models_create(
            project, ubiops.ModelCreate(name="evil", input_type="plain", output_type="plain")
        )
        api.model_versions_create(project, "evil", ubiops.ModelVersionCreate(version="v1"))
        evil = tmp_path / "evil.zip"
        with zipfile.ZipFile(evil, "w") as archive:
            archive.writestr("model_package/model.py", "class Model: pass\n")
            archive.writestr("model_package/../../escape.txt", "gotcha")
        with pytest.raises(ApiException) as caught:
            api.model_versions_file_upload(project, "evil", "v1", file=str(evil))
        assert caught.value.status == 400
        assert json.loads(caught.value.body)["field"] == "file"
        assert api.model_versions_get(project, "evil", "v1").status == "initialised"


class TestBlobs:
    def test_blob_in_and_blob_out(self, api: ubiops.CoreApi, project: str, tmp_path: Path) -> None:
        api.models_create(
            project,
            ubiops.ModelCreate(
                name="reverser",
                input_type="structured",
                output_type="structured",
                input_fields=fields(file="blob"),
                output_fields=fields(file="blob", size="int"),
            ),
        )
        assert (
            deploy(api, project, "reverser", model_zip(tmp_path / "b.zip", BLOB_MODEL))
            == "available"
        )
        source = tmp_path / "input.bin"
        source.write_bytes(b"modelyard")
        blob = api.blobs_create(project, file=str(source))
        result = api.model_requests_create(project, "reverser", "v1", {"file": blob.id})
        assert result.success, result.error_message
        assert result.result["size"] == 9
        output = api.blobs_get(project, result.result["file"])
        assert output.data == b"drayledom"
