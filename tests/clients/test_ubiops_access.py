"""The ``ubiops==2.1.0`` client sets up access as an admin would, and a service user works
within it: requests allowed, deletes refused, another project invisible, a reset token dead."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import ubiops
from ubiops.rest import ApiException

from tests.support.packages import model_zip
from tests.support.server import RunningServer
from tests.support.ubiops import client_for, error_of, unique

pytestmark = pytest.mark.slow

REQUEST = "models.versions.requests.create"


@dataclass
class Setup:
    organization: str
    first: str
    second: str
    service_user_id: str
    token: str


def wait_for_build(api: ubiops.CoreApi, project: str, model: str, version: str) -> str:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = api.model_versions_get(project, model, version).status
        if status in ("available", "failed"):
            return str(status)
        time.sleep(0.3)
    raise AssertionError(f"{model}/{version} is still building")


@pytest.fixture
def setup(api: ubiops.CoreApi, tmp_path: Path) -> Iterator[Setup]:
    """An organization with two projects, an echo model deployed in the first, a custom role
    holding only the request permission, and a service user assigned that role."""
    organization = unique("org")
    api.organizations_create(
        ubiops.OrganizationCreate(
            name=organization, subscription="enterprise", subscription_agreed=True
        )
    )
    first, second = unique("first"), unique("second")
    for name in (first, second):
        api.projects_create(ubiops.ProjectCreate(name=name, organization_name=organization))
    api.models_create(
        first, ubiops.ModelCreate(name="echo", input_type="plain", output_type="plain")
    )
    api.model_versions_create(
        first, "echo", ubiops.ModelVersionCreate(version="v1", language="python3.8")
    )
    api.model_versions_file_upload(first, "echo", "v1", file=str(model_zip(tmp_path / "e.zip")))
    role = api.roles_create(first, ubiops.RoleCreate(name="caller", permissions=[REQUEST]))
    assert role.name == "caller"
    assert str(role.permissions) == str([REQUEST])  # the client declares it a str
    created = api.service_users_create(first, ubiops.ServiceUserCreate(name="robot"))
    assert created.token
    assert created.email.startswith(created.id)
    assignment = api.role_assignments_create(
        first, ubiops.RoleAssignmentCreate(user_id=created.id, role="caller")
    )
    assert (assignment.role, assignment.object_type) == ("caller", "project")
    assert wait_for_build(api, first, "echo", "v1") == "available"
    yield Setup(organization, first, second, created.id, created.token)
    for name in (first, second):
        api.projects_delete(name)


class TestServiceUser:
    def test_requests_but_cannot_delete_or_look_elsewhere(
        self, server: RunningServer, api: ubiops.CoreApi, setup: Setup
    ) -> None:
        with client_for(server.url, setup.token) as robot:
            result = robot.model_requests_create(setup.first, "echo", "v1", "hello")
            assert (result.success, result.result) == (True, "hello")

            with pytest.raises(ApiException) as caught:
                robot.models_delete(setup.first, "echo")
            assert caught.value.status == 403
            assert "models.delete" in error_of(caught.value)["error"]

            with pytest.raises(ApiException) as caught:
                robot.models_list(setup.second)
            assert caught.value.status == 404

            with pytest.raises(ApiException) as caught:
                robot.model_requests_create(setup.second, "echo", "v1", "hello")
            assert caught.value.status == 404

            assert [p.name for p in robot.projects_list()] == [setup.first]
        assert [m.name for m in api.models_list(setup.first)] == ["echo"]

    def test_a_reset_token_stops_the_old_one_at_once(
        self, server: RunningServer, api: ubiops.CoreApi, setup: Setup
    ) -> None:
        with client_for(server.url, setup.token) as robot:
            assert robot.model_requests_create(setup.first, "echo", "v1", "one").success
            fresh = api.service_users_token(setup.first, setup.service_user_id, {})
            with pytest.raises(ApiException) as caught:
                robot.model_requests_create(setup.first, "echo", "v1", "two")
            assert caught.value.status == 401
        with client_for(server.url, fresh.token) as robot:
            assert robot.model_requests_create(setup.first, "echo", "v1", "three").success

    def test_removing_the_role_stops_requests_at_once(
        self, server: RunningServer, api: ubiops.CoreApi, setup: Setup
    ) -> None:
        (assignment,) = api.role_assignments_per_user_list(setup.first, setup.service_user_id)
        with client_for(server.url, setup.token) as robot:
            assert robot.model_requests_create(setup.first, "echo", "v1", "one").success
            api.role_assignments_delete(setup.first, assignment.id)
            with pytest.raises(ApiException) as caught:
                robot.model_requests_create(setup.first, "echo", "v1", "two")
            assert caught.value.status == 403


class TestAdministration:
    def test_roles_permissions_and_service_users_read_back(
        self, api: ubiops.CoreApi, setup: Setup
    ) -> None:
        names = [p.name for p in api.permissions_list()]
        assert {"models.list", "models.get", "models.delete", REQUEST} <= set(names)
        roles = [(r.name, str(r.default)) for r in api.roles_list(setup.first)]
        assert roles[:3] == [
            ("project-admin", "True"),
            ("project-editor", "True"),
            ("project-viewer", "True"),
        ]
        assert ("caller", "False") in roles
        updated = api.roles_update(
            setup.first, "caller", ubiops.RoleUpdate(permissions=[REQUEST, "models.list"])
        )
        assert str(updated.permissions) == str([REQUEST, "models.list"])
        assert str(api.roles_get(setup.second, "project-viewer").default) == "True"

        renamed = api.service_users_update(
            setup.first, setup.service_user_id, ubiops.ServiceUserCreate(name="renamed")
        )
        assert renamed.name == "renamed"
        listed = api.service_users_list(setup.first)
        assert [u.id for u in listed] == [setup.service_user_id]
        assert api.service_users_list(setup.second) == []

        with pytest.raises(ApiException) as caught:
            api.roles_delete(setup.first, "project-admin")
        assert caught.value.status == 400
        api.roles_delete(setup.first, "caller")
        assert api.role_assignments_per_user_list(setup.first, setup.service_user_id) == []
        api.service_users_delete(setup.first, setup.service_user_id)
        with pytest.raises(ApiException) as caught:
            api.service_users_get(setup.first, setup.service_user_id)
        assert caught.value.status == 404
