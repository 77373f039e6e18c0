"""Every registry route needs a modelyard token (Bearer or Token); the permission is checked in
the caller's home project, and what one project registers another does not see."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from modelyard.core.identity import repository as identity_repository
from modelyard.core.identity import service
from modelyard.core.identity.access import service_users
from modelyard.core.identity.access.schemas import ServiceUserCreate
from modelyard.core.identity.schemas import ProjectRef, UserCreate
from modelyard.db.engine import SessionFactory, transaction
from tests.support.registry import BASE, bearer, create_model, is_error_envelope

H = dict[str, str]
ROUTES = [
    ("GET", "/all"),
    ("GET", "/"),
    ("GET", ""),
    ("POST", "/"),
    ("POST", ""),
    ("GET", "/id/{m}"),
    ("PATCH", "/id/{m}"),
    ("DELETE", "/id/{m}"),
    ("GET", "/id/{m}/experiments"),
    ("GET", "/id/{m}/runs"),
    ("POST", "/id/{m}/runs"),
    ("GET", "/id/{m}/datasets"),
    ("POST", "/id/{m}/datasets"),
    ("POST", "/id/{m}/records"),
    ("GET", "/id/{m}/records"),
    ("GET", "/id/{m}/records/filter"),
    ("GET", "/records/id/{m}"),
    ("PATCH", "/records/id/{m}"),
    ("DELETE", "/records/id/{m}"),
    ("GET", "/records/id/{m}/download"),
]


class TestTokens:
    @pytest.mark.parametrize(("method", "path"), ROUTES)
    def test_without_a_token_every_route_is_401(
        self, client: TestClient, method: str, path: str
    ) -> None:
        response = client.request(method, BASE + path.replace("{m}", str(uuid.uuid4())))
        assert response.status_code == 401
        assert is_error_envelope(response)
        assert response.headers["www-authenticate"] == "Bearer"

    def test_an_unknown_token_is_401(self, client: TestClient) -> None:
        response = client.get(f"{BASE}/all", headers=bearer("not-a-token"))
        assert response.status_code == 401

    def test_token_scheme_works_too(self, client: TestClient, headers: H) -> None:
        created = create_model(client, headers)
        token = headers["Authorization"].split()[1]
        response = client.get(
            f"{BASE}/id/{created['id']}", headers={"Authorization": f"Token {token}"}
        )
        assert response.status_code == 200


class TestProjects:
    def test_another_users_home_project_sees_nothing_of_mine(
        self, client: TestClient, headers: H, sessions: SessionFactory
    ) -> None:
        created = create_model(client, headers)
        other = bearer(user_token(sessions))
        response = client.get(f"{BASE}/id/{created['id']}", headers=other)
        assert response.status_code == 404
        assert is_error_envelope(response)
        assert client.get(f"{BASE}/all", headers=other).status_code == 404
        theirs = create_model(client, other, model_name=created["model_name"])
        assert theirs["id"] != created["id"]
        assert [m["id"] for m in client.get(f"{BASE}/all", headers=headers).json()] == [
            created["id"]
        ]

    def test_a_service_user_without_a_role_is_403(
        self, client: TestClient, headers: H, sessions: SessionFactory
    ) -> None:
        response = client.get(f"{BASE}/all", headers=bearer(roleless_service_user(sessions)))
        assert response.status_code == 403
        assert is_error_envelope(response)


def user_token(sessions: SessionFactory) -> str:
    """A user in no organization: the registry acts in their personal project."""
    with transaction(sessions) as session:
        user = service.create_user(session, UserCreate(email=f"{uuid.uuid4().hex[:8]}@x.org"))
        return service.issue_token(session, user.email).token


def roleless_service_user(sessions: SessionFactory) -> str:
    with transaction(sessions) as session:
        found = identity_repository.get_project_by_name(session, service.DEFAULT_PROJECT)
        assert found is not None
        project = ProjectRef.model_validate(found[0])
        return service_users.create(session, project, ServiceUserCreate(name="bot")).token
