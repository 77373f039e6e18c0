"""The dashboard's edges without a browser: bodies bounded before they cost anything, CSRF
checked before a scripted upload is read, unknown pages and refusals as pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from modelyard.core.identity.schemas import TokenIssued
from modelyard.settings import Settings
from modelyard.web import create_server

MB = 1024 * 1024


@pytest.fixture
def browser(settings: Settings, admin_token: TokenIssued) -> Iterator[TestClient]:
    """A signed-in browser, as a test client with the dashboard's cookies."""
    limited = settings.model_copy(update={"max_upload_mb": 1, "max_body_mb": 1})
    with TestClient(create_server(limited)) as client:
        client.get("/ui/signin")
        csrf = client.cookies["modelyard_csrf"]
        signed = client.post("/ui/signin", data={"token": admin_token.token, "csrf_token": csrf})
        assert signed.status_code == 200, signed.text
        yield client


VERSION = "/ui/projects/default/models/m/versions/v1"


class TestBodies:
    def test_an_upload_past_the_limit_is_refused_with_the_setting_named(
        self, browser: TestClient
    ) -> None:
        refused = browser.post(
            VERSION + "/upload",
            files={"file": ("big.zip", b"x" * (2 * MB), "application/zip")},
            headers={"X-CSRF-Token": browser.cookies["modelyard_csrf"], "X-Partial": "1"},
        )
        assert refused.status_code == 413
        assert "MODELYARD_MAX_UPLOAD_MB" in refused.text
        assert "Traceback" not in refused.text

    def test_a_form_past_the_small_limit_is_refused(self, browser: TestClient) -> None:
        refused = browser.post(
            "/ui/projects/default/models",
            data={"csrf_token": browser.cookies["modelyard_csrf"], "name": "x" * (2 * MB)},
        )
        assert refused.status_code == 413
        assert "MODELYARD_MAX_BODY_MB" in refused.text


class TestCsrf:
    def test_a_scripted_upload_with_a_wrong_header_is_refused(self, browser: TestClient) -> None:
        refused = browser.post(
            VERSION + "/upload",
            files={"file": ("m.zip", b"PK", "application/zip")},
            headers={"X-CSRF-Token": "forged"},
        )
        assert refused.status_code == 403
        assert "reload the page" in refused.text


class TestPages:
    def test_an_unknown_page_is_a_404_page(self, browser: TestClient) -> None:
        missing = browser.get("/ui/no/such/page")
        assert missing.status_code == 404
        assert "No page at /ui/no/such/page" in missing.text

    def test_signed_out_pages_send_the_browser_to_sign_in(self, settings: Settings) -> None:
        with TestClient(create_server(settings)) as client:
            answer = client.get("/ui/projects/default/models", follow_redirects=False)
            assert answer.status_code == 303
            assert answer.headers["location"] == "/ui/signin"

    def test_the_root_sends_browsers_to_the_dashboard(self, settings: Settings) -> None:
        with TestClient(create_server(settings)) as client:
            answer = client.get("/", follow_redirects=False)
            assert answer.status_code == 303
            assert answer.headers["location"] == "/ui/"
