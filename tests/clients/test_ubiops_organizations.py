"""The ``ubiops==2.1.0`` client manages organization users, subscriptions and their limits, and
reads resource usage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ubiops
from ubiops.rest import ApiException

from tests.clients.conftest import core_api
from tests.support.packages import model_zip
from tests.support.server import RunningServer
from tests.support.ubiops import error_of, unique

pytestmark = pytest.mark.slow


class Person:
    """A second user of the server: their email and a client acting as them."""

    def __init__(self, email: str, api: ubiops.CoreApi) -> None:
        self.email, self.api = email, api


@pytest.fixture
def person(server: RunningServer) -> Iterator[Person]:
    email = f"{unique('user')}@example.com"
    output = server.cli("users", "create", email).stdout
    token = next(line.split()[1] for line in output.splitlines() if line.startswith("Token "))
    for api in core_api(server, token):
        yield Person(email, api)


def new_organization(api: ubiops.CoreApi, subscription: str = "enterprise") -> str:
    name = unique("org")
    api.organizations_create(
        ubiops.OrganizationCreate(name=name, subscription=subscription, subscription_agreed=True)
    )
    return name


def new_subscription(api: ubiops.CoreApi, **limits: int) -> str:
    """A subscription with the seed's required fields, plus any of modelyard's limits (the
    client sends a dict as it is)."""
    name = unique("sub")
    body = {
        "name": name,
        "max_projects": 10,
        "max_users": 10,
        "logs_retention_days": 7,
        "gb_seconds": 1000,
        "resources": 100,
        **limits,
    }
    api.subscriptions_create(body)
    return name


def refused(call: object, *args: object) -> tuple[int, dict[str, str]]:
    assert callable(call)
    with pytest.raises(ApiException) as caught:
        call(*args)
    return caught.value.status, error_of(caught.value)


class TestOrganizationUsers:
    def test_add_list_get_promote_and_remove(self, api: ubiops.CoreApi, person: Person) -> None:
        organization = new_organization(api)
        added = api.organization_users_create(
            organization, ubiops.OrganizationUserCreate(email=person.email, admin=False)
        )
        assert (added.email, added.admin) == (person.email, False)
        listed = person.api.organization_users_list(organization)
        assert sorted((u.email, u.admin) for u in listed) == sorted(
            [("admin@modelyard.local", True), (person.email, False)]
        )
        assert api.organization_users_get(organization, added.id).email == person.email
        status, _ = refused(person.api.organization_users_get, organization, added.id)
        assert status == 403
        promoted = api.organization_users_update(
            organization, added.id, ubiops.OrganizationUserUpdate(admin=True)
        )
        assert promoted.admin is True
        assert api.organization_users_delete(organization, added.id) is None
        status, _ = refused(person.api.organization_users_list, organization)
        assert status == 404

    def test_last_admin_is_kept(self, api: ubiops.CoreApi) -> None:
        organization = new_organization(api)
        (me,) = api.organization_users_list(organization)
        status, body = refused(api.organization_users_delete, organization, me.id)
        assert status == 409
        assert "last admin" in body["error"]
        update = ubiops.OrganizationUserUpdate(admin=False)
        status, _ = refused(api.organization_users_update, organization, me.id, update)
        assert status == 409
        assert api.organization_users_get(organization, me.id).admin is True

    def test_unknown_email_is_named(self, api: ubiops.CoreApi) -> None:
        organization = new_organization(api)
        create = ubiops.OrganizationUserCreate(email="nobody-here@example.com")
        status, body = refused(api.organization_users_create, organization, create)
        assert status == 404
        assert body["field"] == "email"
        assert "nobody-here@example.com" in body["error"]


class TestSubscriptions:
    def test_crud_as_administrator(self, api: ubiops.CoreApi) -> None:
        name = new_subscription(api, max_projects=2)
        detail = api.subscriptions_get(name)
        assert (detail.name, detail.max_projects, detail.max_users) == (name, 2, 10)
        assert name in [s.name for s in api.subscriptions_list()]
        updated = api.subscriptions_update(name, ubiops.SubscriptionUpdate(max_projects=4))
        assert (updated.max_projects, updated.id) == (4, detail.id)
        assert api.subscriptions_delete(name) is None
        status, _ = refused(api.subscriptions_get, name)
        assert status == 404

    def test_others_are_refused(self, api: ubiops.CoreApi, person: Person) -> None:
        name = new_subscription(api)
        create = ubiops.SubscriptionCreate(
            name=unique("sub"),
            max_projects=1,
            max_users=1,
            logs_retention_days=1,
            gb_seconds=1,
            resources=1,
        )
        for call, args in (
            (person.api.subscriptions_create, (create,)),
            (person.api.subscriptions_get, (name,)),
            (person.api.subscriptions_update, (name, ubiops.SubscriptionUpdate(max_users=99))),
            (person.api.subscriptions_delete, (name,)),
        ):
            status, _ = refused(call, *args)
            assert status == 403
        assert api.subscriptions_get(name).max_users == 10

    def test_in_use_is_not_deleted_and_history_shows_it(self, api: ubiops.CoreApi) -> None:
        name = new_subscription(api)
        organization = new_organization(api, subscription=name)
        status, _ = refused(api.subscriptions_delete, name)
        assert status == 409
        (entry,) = api.organization_subscriptions_list(organization)
        assert (entry.subscription, entry.subscription_agreement_user) == (
            name,
            "admin@modelyard.local",
        )

    def test_project_limit_is_enforced(self, api: ubiops.CoreApi) -> None:
        subscription = new_subscription(api, max_projects=1)
        organization = new_organization(api, subscription=subscription)
        api.projects_create(ubiops.ProjectCreate(name=unique("p"), organization_name=organization))
        second = ubiops.ProjectCreate(name=unique("p"), organization_name=organization)
        status, body = refused(api.projects_create, second)
        assert status == 403
        assert "max_projects" in body["error"]
        assert subscription in body["error"]
        assert api.organizations_resource_usage(organization).projects in (1, "1")

    def test_monthly_request_limit_is_enforced(self, api: ubiops.CoreApi, tmp_path: Path) -> None:
        subscription = new_subscription(api, max_requests_per_month=2)
        organization = new_organization(api, subscription=subscription)
        project = unique("p")
        api.projects_create(ubiops.ProjectCreate(name=project, organization_name=organization))
        api.models_create(
            project, ubiops.ModelCreate(name="echo", input_type="plain", output_type="plain")
        )
        api.model_versions_create(
            project, "echo", ubiops.ModelVersionCreate(version="v1", language="python3.8")
        )
        api.model_versions_file_upload(
            project, "echo", "v1", file=str(model_zip(tmp_path / "e.zip"))
        )
        deadline = time.monotonic() + 240
        while api.model_versions_get(project, "echo", "v1").status != "available":
            assert time.monotonic() < deadline, "the version did not become available"
            time.sleep(0.3)
        for _ in range(2):
            assert api.model_requests_create(project, "echo", "v1", "hi").success
        status, body = refused(api.model_requests_create, project, "echo", "v1", "hi")
        assert status == 403
        assert "max_requests_per_month" in body["error"]


class TestResourceUsage:
    def test_counts_match_what_was_created(self, api: ubiops.CoreApi, person: Person) -> None:
        organization = new_organization(api)
        api.organization_users_create(
            organization, ubiops.OrganizationUserCreate(email=person.email)
        )
        projects = [unique("p"), unique("p")]
        for project in projects:
            api.projects_create(ubiops.ProjectCreate(name=project, organization_name=organization))
        for model in ("m1", "m2"):
            api.models_create(
                projects[0], ubiops.ModelCreate(name=model, input_type="plain", output_type="plain")
            )
            api.model_versions_create(
                projects[0], model, ubiops.ModelVersionCreate(version="v1", language="python3.8")
            )
        usage = person.api.organizations_resource_usage(organization)
        assert [int(getattr(usage, f)) for f in ("projects", "users", "models", "versions")] == [
            2,
            2,
            2,
            2,
        ]
        assert (int(usage.connectors), int(usage.pipelines)) == (0, 0)
        first = api.projects_resource_usage(projects[0])
        assert (int(first.models), int(first.versions)) == (2, 2)
        second = api.projects_resource_usage(projects[1])
        assert (int(second.models), int(second.versions)) == (0, 0)
