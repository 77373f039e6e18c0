"""Every route names a permission, and the permissions hold over HTTP: a viewer reads but
cannot write, another organization's user and another project's service user get nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from modelyard.api.app import create_app
from modelyard.api.permissions import Public, RoutePermission
from modelyard.api.ubiops.auth import AccountPermission, ProjectPermission
from modelyard.core.identity import repository as identity_repository
from modelyard.core.identity import service
from modelyard.core.identity.access import rules
from modelyard.core.identity.schemas import (
    OrganizationCreate,
    ProjectCreate,
    TokenIssued,
    UserCreate,
)
from modelyard.core.serving import hotpath
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import OrganizationMemberRow
from modelyard.settings import Settings

PROJECT_CHECKS = (ProjectPermission,)
CHECKED_IN_CORE: dict[str, str] = {
    "/v2.1/projects/{project_name}/models/{model_name}/versions/{version}/request": hotpath.REQUEST,
}
"""Routes whose permission the core checks in the same statement that does the work (the
direct request); ``tests/core/test_access.py`` proves that check agrees with the ordinary one."""
OPEN_ROUTES: set[str] = {
    # Alchemite (issue 8): /v0/version, the OAuth2 token endpoint
    "/v0/version",
    "/v0/auth/realms/master/protocol/openid-connect/token",
    # Leia (issue 9): the login endpoints
    "/api/models/files/{token}",  # registry (issue 10): signed, expiring file links
    "/leia/1.0.0/login",
    "/leia/1.0.0/login/{api_key}",
    "/leia/1.0.0/logout",
    "/leia/1.0.0/whoami",
}
"""Routes that are open by design besides those marked ``public()``: version and login/token
endpoints of the other dialects (each checks its own credentials)."""


def every_route(app: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Every API route with its full path and effective dependencies, through mounts and
    included routers (FastAPI resolves those lazily, hence ``iter_route_contexts``)."""
    found: list[tuple[str, Any]] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            found += every_route(route.app, prefix + route.path)
        elif isinstance(route, APIRoute):
            found.append((prefix + str(context.path), context))
    return found


def checks_of(route: Any) -> list[object]:
    calls: list[object] = []
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        calls += [d.call for d in dependant.dependencies]
        pending += dependant.dependencies
    return [c for c in calls if isinstance(c, RoutePermission | Public)]


class TestRouteTable:
    @pytest.fixture
    def routes(self, settings: Settings) -> list[tuple[str, Any]]:
        return every_route(create_app(settings))

    def test_the_walk_sees_the_routes(self, routes: list[tuple[str, Any]]) -> None:
        paths = {path for path, _ in routes}
        assert "/v2.1/projects/{project_name}/models" in paths
        assert "/v2.1/projects/{project_name}/service-users/{service_user_id}/token" in paths
        assert len(routes) > 100

    def test_every_route_names_a_permission(self, routes: list[tuple[str, Any]]) -> None:
        missing = [
            f"{sorted(route.methods)} {path} ({route.name})"
            for path, route in routes
            if path not in OPEN_ROUTES and path not in CHECKED_IN_CORE and not checks_of(route)
        ]
        assert missing == []

    def test_routes_checked_in_core_name_a_project_permission_and_declare_no_other(
        self, routes: list[tuple[str, Any]]
    ) -> None:
        found = {path: checks_of(route) for path, route in routes if path in CHECKED_IN_CORE}
        assert found == {path: [] for path in CHECKED_IN_CORE}
        assert set(CHECKED_IN_CORE.values()) <= set(rules.PROJECT_PERMISSIONS)

    def test_routes_in_a_project_check_it_in_that_project(
        self, routes: list[tuple[str, Any]]
    ) -> None:
        wrong = [
            f"{path} ({route.name})"
            for path, route in routes
            if "{project_name}" in path
            and path not in CHECKED_IN_CORE
            and not any(isinstance(c, PROJECT_CHECKS) for c in checks_of(route))
        ]
        assert wrong == []

    def test_only_status_and_the_sign_in_are_open(self, routes: list[tuple[str, Any]]) -> None:
        public = [p for p, r in routes if any(isinstance(c, Public) for c in checks_of(r))]
        assert sorted(public) == ["/v2.1/authorize", "/v2.1/status"]

    def test_unknown_permission_names_fail_at_import(self) -> None:
        with pytest.raises(ValueError, match="unknown permission"):
            ProjectPermission("models.fly")
        with pytest.raises(ValueError, match="unknown permission"):
            AccountPermission("models.create")


# -- over HTTP ------------------------------------------------------------------------------

MODEL = {"name": "m", "input_type": "plain", "output_type": "plain"}
READS = [
    "/projects/{p}",
    "/projects/{p}/models",
    "/projects/{p}/models/m",
    "/projects/{p}/models/m/versions",
    "/projects/{p}/models/m/environment-variables",
    "/projects/{p}/blobs",
    "/projects/{p}/environment-variables",
    "/projects/{p}/credentials",
    "/projects/{p}/connectors",
    "/projects/{p}/pipelines",
    "/projects/{p}/schedules",
    "/projects/{p}/roles",
    "/projects/{p}/roles/project-admin",
    "/projects/{p}/service-users",
]
WRITES: list[tuple[str, str, Any]] = [
    ("POST", "/projects/{p}/models", {**MODEL, "name": "n"}),
    ("PATCH", "/projects/{p}/models/m", {"description": "changed"}),
    ("DELETE", "/projects/{p}/models/m", None),
    ("POST", "/projects/{p}/models/m/versions", {"version": "v1", "language": "python3.8"}),
    ("POST", "/projects/{p}/environment-variables", {"name": "A", "value": "b", "secret": False}),
    ("POST", "/projects/{p}/pipelines", {**MODEL, "name": "pl"}),
    ("POST", "/projects/{p}/roles", {"name": "r", "permissions": []}),
    ("POST", "/projects/{p}/service-users", {"name": "s"}),
    ("PATCH", "/projects/{p}", {"name": "renamed"}),
    ("DELETE", "/projects/{p}", None),
    ("POST", "/projects/{p}/models/m/versions/v1/request", "hi"),
    ("POST", "/projects/{p}/models/m/versions/v1/request-batch", ["hi"]),
]


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def call(client: TestClient, token: str, method: str, path: str, body: Any = None) -> Any:
    url = "/v2.1" + path.format(p="default")
    return client.request(method, url, json=body, headers=headers(token))


def assert_refused(response: Any, statuses: tuple[int, ...]) -> None:
    assert response.status_code in statuses, (response.request.url, response.text)
    assert set(response.json()) <= {"error", "field"}


def make_user(sessions: SessionFactory, email: str, *, member_of: str | None = None) -> str:
    """A user with a token; with ``member_of``, a non-admin member of that organization."""
    with transaction(sessions) as unit:
        user = service.create_user(unit, UserCreate(email=email))
        if member_of is not None:
            organization = identity_repository.get_organization_by_name(unit, member_of)
            assert organization is not None
            unit.add(OrganizationMemberRow(organization_id=organization.id, user_id=user.id))
        return service.issue_token(unit, email).token


@pytest.fixture
def admin(client: TestClient, admin_token: TokenIssued) -> str:
    response = call(client, admin_token.token, "POST", "/projects/{p}/models", MODEL)
    assert response.status_code == 201, response.text
    return admin_token.token


@pytest.fixture
def viewer(sessions: SessionFactory, admin: str) -> str:
    return make_user(sessions, "viewer@example.com", member_of="default")


@pytest.fixture
def stranger(sessions: SessionFactory, admin: str) -> str:
    """The admin of another organization with a project of its own."""
    token = make_user(sessions, "stranger@example.com")
    with transaction(sessions) as unit:
        principal = service.authenticate(unit, token)
        data = OrganizationCreate(name="elsewhere", subscription="free", subscription_agreed=True)
        service.create_organization(unit, principal, data)
        service.create_project(
            unit, principal, ProjectCreate(name="theirs", organization_name="elsewhere")
        )
    return token


@pytest.fixture
def outside_robot(client: TestClient, admin: str) -> str:
    """A service user holding project-admin in another project of the same organization."""
    body = {"name": "second", "organization_name": "default"}
    assert client.post("/v2.1/projects", json=body, headers=headers(admin)).status_code == 201
    created = client.post(
        "/v2.1/projects/second/service-users", json={"name": "robot"}, headers=headers(admin)
    ).json()
    assignment = {"user_id": created["id"], "role": "project-admin"}
    response = client.post(
        "/v2.1/projects/second/role-assignments", json=assignment, headers=headers(admin)
    )
    assert response.status_code == 201, response.text
    token: str = created["token"]
    assert client.get("/v2.1/projects/second/models", headers=headers(token)).status_code == 200
    return token


class TestViewer:
    @pytest.mark.parametrize("path", READS)
    def test_reads(self, client: TestClient, viewer: str, path: str) -> None:
        response = call(client, viewer, "GET", path)
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize(("method", "path", "body"), WRITES)
    def test_cannot_write(
        self, client: TestClient, admin: str, viewer: str, method: str, path: str, body: Any
    ) -> None:
        response = call(client, viewer, method, path, body)
        assert_refused(response, (403,))
        assert "permission" in response.json()["error"]
        assert call(client, admin, "GET", "/projects/{p}/models/m").json()["description"] is None
        assert [m["name"] for m in call(client, admin, "GET", "/projects/{p}/models").json()] == [
            "m"
        ]


class TestOutsiders:
    @pytest.mark.parametrize(("method", "path", "body"), [("GET", p, None) for p in READS] + WRITES)
    def test_another_organizations_user_gets_nothing(
        self, client: TestClient, stranger: str, method: str, path: str, body: Any
    ) -> None:
        assert_refused(call(client, stranger, method, path, body), (404,))

    @pytest.mark.parametrize(("method", "path", "body"), [("GET", p, None) for p in READS] + WRITES)
    def test_another_projects_service_user_gets_nothing(
        self, client: TestClient, outside_robot: str, method: str, path: str, body: Any
    ) -> None:
        assert_refused(call(client, outside_robot, method, path, body), (404,))

    def test_outsiders_do_not_see_the_project_listed(
        self, client: TestClient, stranger: str, outside_robot: str
    ) -> None:
        for token in (stranger, outside_robot):
            names = [p["name"] for p in client.get("/v2.1/projects", headers=headers(token)).json()]
            assert "default" not in names

    def test_service_users_cannot_create_organizations(
        self, client: TestClient, outside_robot: str
    ) -> None:
        body = {"name": "mine", "subscription": "free", "subscription_agreed": True}
        response = client.post("/v2.1/organizations", json=body, headers=headers(outside_robot))
        assert_refused(response, (403,))


class TestAccessEndpoints:
    def test_permissions_list_the_vocabulary(self, client: TestClient, admin: str) -> None:
        names = [p["name"] for p in client.get("/v2.1/permissions", headers=headers(admin)).json()]
        assert names == list(rules.PROJECT_PERMISSIONS)
        assert {"models.list", "models.get", "models.delete"} <= set(names)

    def test_role_lifecycle(self, client: TestClient, admin: str) -> None:
        body = {"name": "reader", "permissions": ["models.list"]}
        created = call(client, admin, "POST", "/projects/{p}/roles", body)
        assert created.status_code == 201
        assert created.json()["default"] is False
        update = {"permissions": ["models.list", "models.get"]}
        updated = call(client, admin, "PATCH", "/projects/{p}/roles/reader", update)
        assert updated.json()["permissions"] == ["models.list", "models.get"]
        listed = call(client, admin, "GET", "/projects/{p}/roles").json()
        assert set(listed[0]) == {"id", "name", "default"}
        assert call(client, admin, "DELETE", "/projects/{p}/roles/reader").status_code == 204
        assert call(client, admin, "GET", "/projects/{p}/roles/reader").status_code == 404

    def test_bad_role_input_is_400_naming_the_field(self, client: TestClient, admin: str) -> None:
        body = {"name": "reader", "permissions": ["models.fly"]}
        response = call(client, admin, "POST", "/projects/{p}/roles", body)
        assert response.status_code == 400
        assert response.json()["field"] == "permissions"
        response = call(client, admin, "PATCH", "/projects/{p}/roles/project-viewer", {"name": "x"})
        assert response.status_code == 400
        assert response.json()["field"] == "role_name"

    def test_service_user_token_is_shown_once_and_reset_at_once(
        self, client: TestClient, admin: str
    ) -> None:
        created = call(client, admin, "POST", "/projects/{p}/service-users", {"name": "bot"})
        assert created.status_code == 201
        first = created.json()
        assert first["email"].endswith(".default@serviceuser.modelyard.local")
        path = f"/projects/{{p}}/service-users/{first['id']}"
        assert "token" not in call(client, admin, "GET", path).json()
        listed = call(client, admin, "GET", "/projects/{p}/service-users").json()
        assert all("token" not in u for u in listed)
        reset = call(client, admin, "PUT", path + "/token", {})
        assert reset.status_code == 200
        assert reset.json()["token"] != first["token"]
        old = client.get("/v2.1/projects", headers=headers(first["token"]))
        assert old.status_code == 401
        assert client.get("/v2.1/projects", headers=headers(reset.json()["token"])).json() != []

    def test_role_assignment_lifecycle(self, client: TestClient, admin: str) -> None:
        bot = call(client, admin, "POST", "/projects/{p}/service-users", {}).json()
        body = {"user_id": bot["id"], "role": "project-viewer"}
        created = call(client, admin, "POST", "/projects/{p}/role-assignments", body)
        assert created.status_code == 201
        assert created.json() | {"id": ""} == {
            "id": "",
            "user_id": bot["id"],
            "role": "project-viewer",
            "object_name": "default",
            "object_type": "project",
        }
        assert call(client, bot["token"], "GET", "/projects/{p}/models").status_code == 200
        assignment = f"/projects/{{p}}/role-assignments/{created.json()['id']}"
        assert call(client, admin, "GET", assignment).json() == created.json()
        per_user = call(client, admin, "GET", f"/projects/{{p}}/users/{bot['id']}/role-assignments")
        assert per_user.json() == [created.json()]
        assert call(client, admin, "DELETE", assignment).status_code == 204
        assert call(client, bot["token"], "GET", "/projects/{p}/models").status_code == 403
