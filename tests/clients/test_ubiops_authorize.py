"""Signing in as the ubiops-cli does (``POST /v2.1/authorize`` with an email and password; the
``ubiops`` client has no method for it, so httpx posts it), then the unmodified ``ubiops==2.1.0``
client working with the session token as ``Authorization: Bearer <token>``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import ubiops
from ubiops.rest import ApiException

from tests.support.server import RunningServer
from tests.support.ubiops import unique

pytestmark = pytest.mark.slow
PASSWORD = "Fir5t-password"


@pytest.fixture
def member(api: ubiops.CoreApi) -> str:
    """A user with a password, created by the administrator."""
    email = f"{unique('member')}@example.com"
    api.user_create(ubiops.UserPendingCreate(email=email, password=PASSWORD, terms_conditions=True))
    return email


def authorize(server: RunningServer, email: str, password: str) -> httpx.Response:
    body = {"email": email, "password": password}
    return httpx.post(f"{server.url}/v2.1/authorize", json=body, timeout=30)


@contextmanager
def signed_in(server: RunningServer, authorization: str) -> Iterator[ubiops.CoreApi]:
    """The client as the ubiops-cli configures it after signing in."""
    configuration = ubiops.Configuration(
        host=f"{server.url}/v2.1", api_key={"Authorization": authorization}
    )
    api_client = ubiops.ApiClient(configuration)
    try:
        yield ubiops.CoreApi(api_client)
    finally:
        api_client.close()


class TestSignIn:
    def test_the_access_token_works_with_the_client_as_bearer(
        self, server: RunningServer, api: ubiops.CoreApi, member: str
    ) -> None:
        response = authorize(server, member, PASSWORD)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        token = response.json()["access"]
        for authorization in (f"Bearer {token}", f"Token {token}", token):
            with signed_in(server, authorization) as session:
                assert session.user_get().email == member
                assert isinstance(session.projects_list(), list)

    def test_a_wrong_password_and_an_unknown_email_get_the_same_401(
        self, server: RunningServer, member: str
    ) -> None:
        wrong = authorize(server, member, "not-the-password")
        unknown = authorize(server, f"{unique('nobody')}@example.com", PASSWORD)
        assert (wrong.status_code, unknown.status_code) == (401, 401)
        assert wrong.json() == unknown.json() == {"error": "The email or password is wrong"}

    def test_a_guessing_email_is_429_with_retry_after_and_others_still_sign_in(
        self, server: RunningServer, api: ubiops.CoreApi, member: str
    ) -> None:
        target = f"{unique('target')}@example.com"
        api.user_create(
            ubiops.UserPendingCreate(email=target, password=PASSWORD, terms_conditions=True)
        )
        statuses = [authorize(server, target, f"guess-{n}").status_code for n in range(5)]
        assert statuses == [401] * 5
        blocked = authorize(server, target, PASSWORD)
        assert blocked.status_code == 429
        assert blocked.json()["error"].startswith("Too many failed sign-ins")
        assert 0 < int(blocked.headers["retry-after"]) <= 900
        assert authorize(server, member, PASSWORD).status_code == 200

    def test_a_revoked_session_token_is_refused(self, server: RunningServer, member: str) -> None:
        token = authorize(server, member, PASSWORD).json()["access"]
        server.cli("tokens", "revoke", token)
        with signed_in(server, f"Bearer {token}") as session, pytest.raises(ApiException) as caught:
            session.user_get()
        assert caught.value.status == 401
