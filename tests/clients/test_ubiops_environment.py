"""The ``ubiops==2.1.0`` client manages environment variables, and a deployed model sees them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import ubiops
from ubiops.rest import ApiException

from tests.support.packages import model_zip
from tests.support.ubiops import error_of, unique

pytestmark = pytest.mark.slow

ENV_MODEL = """
import json
import os


class Model:
    def __init__(self, base_directory, context):
        self.variables = context["environment_variables"]

    def request(self, data):
        return json.dumps({"file": "model.py", "env": os.environ.get(data),
                           "context": self.variables.get(data)})
"""

OTHER_MODEL = """
import json
import os


class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        return json.dumps({"file": "other.py", "env": os.environ.get(data)})
"""

SECRET = "s3cret-that-must-stay-inside"


def variable(name: str, value: str, *, secret: bool = False) -> ubiops.EnvironmentVariableCreate:
    return ubiops.EnvironmentVariableCreate(name=name, value=value, secret=secret)


def refused(call: Callable[..., Any], *args: Any) -> tuple[int, dict[str, str]]:
    with pytest.raises(ApiException) as caught:
        call(*args)
    return caught.value.status, error_of(caught.value)


def wait_until(api: ubiops.CoreApi, project: str, status: str) -> None:
    deadline = time.monotonic() + 240
    while (current := api.model_versions_get(project, "env", "v1").status) != status:
        assert current != "failed", api.model_versions_get(project, "env", "v1").error_message
        assert time.monotonic() < deadline, f"env/v1 is still {current}"
        time.sleep(0.2)


@pytest.fixture
def project(api: ubiops.CoreApi) -> Iterator[str]:
    """A project with plain model ``env`` and its version ``v1`` (no package yet)."""
    name = unique("env")
    api.projects_create(ubiops.ProjectCreate(name=name, organization_name="default"))
    api.models_create(name, ubiops.ModelCreate(name="env", input_type="plain", output_type="plain"))
    api.model_versions_create(
        name, "env", ubiops.ModelVersionCreate(version="v1", language="python3.8")
    )
    yield name
    api.projects_delete(name)


class TestManagingVariables:
    def test_create_list_get_update_and_delete_at_every_level(
        self, api: ubiops.CoreApi, project: str
    ) -> None:
        at_project = api.project_environment_variables_create(project, variable("SHARED", "p"))
        assert (at_project.name, at_project.value, at_project.secret) == ("SHARED", "p", False)
        at_model = api.model_environment_variables_create(
            project, "env", variable("MODEL_ONLY", "")
        )
        at_version = api.model_version_environment_variables_create(
            project, "env", "v1", variable("SHARED", "v")
        )

        listed = api.model_version_environment_variables_list(project, "env", "v1")
        assert [(v.name, v.value, v.inheritance_type, v.inheritance_name) for v in listed] == [
            ("MODEL_ONLY", None, "model", "env"),
            ("SHARED", "v", None, None),
        ]
        at_model_level = api.model_environment_variables_list(project, "env")
        assert [(v.name, v.inheritance_type, v.inheritance_name) for v in at_model_level] == [
            ("MODEL_ONLY", None, None),
            ("SHARED", "project", project),
        ]
        assert [v.id for v in api.project_environment_variables_list(project)] == [at_project.id]
        assert api.model_environment_variables_get(project, at_model.id, "env").value == ""

        updated = api.model_version_environment_variables_update(
            project, at_version.id, "env", "v1", variable("RENAMED", "v2")
        )
        assert (updated.id, updated.name, updated.value) == (at_version.id, "RENAMED", "v2")
        got = api.model_version_environment_variables_get(project, at_version.id, "env", "v1")
        assert (got.name, got.value) == ("RENAMED", "v2")
        api.project_environment_variables_update(project, at_project.id, variable("SHARED", "p2"))
        assert api.project_environment_variables_get(project, at_project.id).value == "p2"
        api.model_environment_variables_update(
            project, at_model.id, "env", variable("MODEL_ONLY", "m")
        )

        api.model_version_environment_variables_delete(project, at_version.id, "env", "v1")
        api.model_environment_variables_delete(project, at_model.id, "env")
        api.project_environment_variables_delete(project, at_project.id)
        assert api.model_version_environment_variables_list(project, "env", "v1") == []
        status, _ = refused(api.project_environment_variables_get, project, at_project.id)
        assert status == 404

    def test_secrets_are_never_returned(self, api: ubiops.CoreApi, project: str) -> None:
        created = api.model_environment_variables_create(
            project, "env", variable("PASSWORD", SECRET, secret=True)
        )
        assert (created.value, created.secret) == (None, True)
        assert api.model_environment_variables_get(project, created.id, "env").value is None
        listed = api.model_version_environment_variables_list(project, "env", "v1")
        assert [(v.name, v.value, v.secret) for v in listed] == [("PASSWORD", None, True)]
        status, error = refused(
            api.model_environment_variables_update,
            project,
            created.id,
            "env",
            variable("PASSWORD", SECRET, secret=False),
        )
        assert (status, error["field"]) == (400, "secret")
        raw = api.api_client.call_api(
            f"/projects/{project}/models/env/environment-variables",
            "GET",
            header_params={"Accept": "application/json"},
            auth_settings=["api_key"],
            _preload_content=False,
        )[0]
        assert SECRET not in raw.data.decode()

    def test_bad_requests_are_refused_with_the_reason(
        self, api: ubiops.CoreApi, project: str
    ) -> None:
        status, error = refused(
            api.project_environment_variables_create, project, variable("bad-name", "1")
        )
        assert (status, error["field"]) == (400, "name")
        assert "letters, digits and underscores" in error["error"]
        status, error = refused(
            api.model_version_environment_variables_create,
            project,
            "env",
            "v1",
            variable("ML_MODEL_FILE_NAME", "../up.py"),
        )
        assert (status, error["field"]) == (400, "value")

        api.project_environment_variables_create(project, variable("TAKEN", "1"))
        status, error = refused(
            api.project_environment_variables_create, project, variable("TAKEN", "2")
        )
        assert (status, error["field"]) == (409, "name")
        status, _ = refused(api.model_environment_variables_list, project, "missing")
        assert status == 404
        status, _ = refused(api.model_environment_variables_get, project, "not-an-id", "env")
        assert status == 404
        assert [v.name for v in api.project_environment_variables_list(project)] == ["TAKEN"]


class TestTheModelSeesItsVariables:
    def test_secrets_updates_and_the_model_file_reach_the_instance(
        self, api: ubiops.CoreApi, project: str, tmp_path: Path
    ) -> None:
        api.project_environment_variables_create(project, variable("X", SECRET, secret=True))
        shadowed = api.model_environment_variables_create(project, "env", variable("Y", "model"))
        package = model_zip(tmp_path / "p.zip", ENV_MODEL, files={"other.py": OTHER_MODEL})
        api.model_versions_file_upload(project, "env", "v1", file=str(package))
        wait_until(api, project, "available")

        def ask(name: str) -> dict[str, Any]:
            result = api.model_requests_create(project, "env", "v1", name)
            assert result.success, result.error_message
            answer: dict[str, Any] = json.loads(result.result)
            return answer

        assert ask("X") == {"file": "model.py", "env": SECRET, "context": SECRET}
        assert ask("Y") == {"file": "model.py", "env": "model", "context": "model"}

        api.model_version_environment_variables_create(project, "env", "v1", variable("Y", "v"))
        assert ask("Y") == {"file": "model.py", "env": "v", "context": "v"}
        api.model_environment_variables_update(project, shadowed.id, "env", variable("Y", "m2"))
        assert ask("Y")["env"] == "v"

        api.model_version_environment_variables_create(
            project, "env", "v1", variable("ML_MODEL_FILE_NAME", "other.py")
        )
        wait_until(api, project, "available")
        assert ask("X") == {"file": "other.py", "env": SECRET}
        assert SECRET not in json.dumps(
            [
                v.to_dict()
                for v in api.model_version_environment_variables_list(project, "env", "v1")
            ]
        )
