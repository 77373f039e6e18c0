"""The dashboard in a real browser: sign in, deploy a model from a zip, watch its build, ask
it, find the request's log line and its count on the metrics chart; another organization's
project is a 404 page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
import ubiops
from playwright.sync_api import Browser, Page, expect

from tests.support.packages import model_zip
from tests.support.server import RunningServer
from tests.ui.conftest import shoot

pytestmark = pytest.mark.slow

PRINTING_MODEL = """
class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        print("doubling", data["x"])
        return {"y": data["x"] * 2}
"""


def sign_in(page: Page, server: RunningServer) -> None:
    page.goto(server.url + "/")
    expect(page).to_have_url(re.compile(r"/ui/signin$"))
    page.get_by_label("API token").fill(server.token)
    page.get_by_role("button", name="Sign in with the token").click()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()


def requests_drawn(page: Page) -> float:
    """The sum of the Requests chart's bars."""
    bars = page.locator('[data-chart="Requests"] rect.bar')
    return sum(float(value or 0) for value in bars.evaluate_all(VALUES))


VALUES = "bars => bars.map(bar => bar.dataset.value)"


def other_organizations_project(server: RunningServer) -> str:
    """A project of a user the administrator shares no organization with."""
    created = server.cli("users", "create", "stranger@example.com")
    token = next(
        line.split()[1] for line in created.stdout.splitlines() if line.startswith("Token")
    )
    configuration = ubiops.Configuration(
        host=f"{server.url}/v2.1", api_key={"Authorization": f"Token {token}"}
    )
    api = ubiops.CoreApi(ubiops.ApiClient(configuration))
    api.organizations_create(
        ubiops.OrganizationCreate(name="elsewhere", subscription="free", subscription_agreed=True)
    )
    api.projects_create(ubiops.ProjectCreate(name="secret-plans", organization_name="elsewhere"))
    api.api_client.close()
    return "secret-plans"


class TestTheDashboardInABrowser:
    def test_deploy_request_log_and_metric(
        self, page: Page, server: RunningServer, tmp_path: Path
    ) -> None:
        sign_in(page, server)
        shoot(page, server, "home")

        page.get_by_role("link", name="default", exact=True).first.click()
        page.get_by_label("Name", exact=True).fill("doubler")
        page.get_by_label("Input fields").fill("x:double")
        page.get_by_label("Output fields").fill("y:double")
        page.get_by_role("button", name="Create the model").click()
        expect(page.get_by_role("heading", name="Model doubler")).to_be_visible()

        page.get_by_label("Version name").fill("v1")
        page.get_by_role("button", name="Create the version").click()
        expect(page.locator("[data-status]")).to_have_text("initialised")

        package = model_zip(tmp_path / "doubler.zip", PRINTING_MODEL)
        page.get_by_label("Deployment package (.zip").set_input_files(str(package))
        page.get_by_role("button", name="Upload and build").click()
        expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
        expect(page.locator("[data-status]")).to_have_text("available", timeout=180_000)
        expect(page.get_by_label("Build log")).not_to_be_empty()
        shoot(page, server, "version")

        page.get_by_label("Input", exact=True).fill(json.dumps({"x": 2.5}))
        page.get_by_role("button", name="Send the request").click()
        expect(page.locator("[data-result]")).to_contain_text('"y": 5.0', timeout=60_000)
        expect(page.locator("[data-ms]")).to_have_text(re.compile(r"^\d+\.\d$"))
        request_id = page.locator("[data-request-id]").inner_text()
        shoot(page, server, "request")

        page.locator("[data-request-id]").click()
        expect(page.get_by_role("heading", name="Logs")).to_be_visible()
        expect(page.get_by_label("request id", exact=True)).to_have_value(request_id)
        expect(page.locator("pre.line", has_text="doubling 2.5")).to_be_visible(timeout=30_000)
        shoot(page, server, "logs")

        page.goto(f"{server.url}/ui/projects/default/logs?model_name=doubler")
        page.get_by_label("Follow new lines").check()
        api = server.api()
        api.model_requests_create("default", "doubler", "v1", {"x": 4})
        api.api_client.close()
        expect(page.locator("pre.line", has_text="doubling 4")).to_be_visible(timeout=30_000)
        page.get_by_label("Follow new lines").uncheck()

        metrics = f"{server.url}/ui/projects/default/metrics?model=doubler&version=v1"
        page.goto(metrics + "&interval=minute")
        for _ in range(30):  # the server flushes its counts every 2 s
            if requests_drawn(page) == 2:
                break
            page.wait_for_timeout(1000)
            page.reload()
        assert requests_drawn(page) == 2
        shoot(page, server, "metrics")

        page.goto(server.url + "/ui/")
        expect(page.locator('[data-project="default"] [data-count="models"]')).to_have_text("1")
        expect(page.locator('[data-project="default"] [data-count="requests"]')).to_have_text("2")

    def test_another_organizations_project_is_a_404_page(
        self, page: Page, server: RunningServer
    ) -> None:
        project = other_organizations_project(server)
        sign_in(page, server)
        expect(page.locator(f'[data-project="{project}"]')).to_have_count(0)
        answer = page.goto(f"{server.url}/ui/projects/{project}/models")
        assert answer is not None
        assert answer.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text(f"Project '{project}' was not found")
        shoot(page, server, "not-found")


class TestForms:
    def test_a_form_posted_without_its_csrf_value_is_refused(self, server: RunningServer) -> None:
        with httpx.Client(base_url=server.url) as client:
            client.get("/ui/signin")
            refused = client.post("/ui/signin", data={"token": server.token})
            assert refused.status_code == 403
            assert "reload the page" in refused.text
            assert "modelyard_session" not in client.cookies

    def test_the_session_cookie_is_http_only_and_same_site(self, server: RunningServer) -> None:
        with httpx.Client(base_url=server.url) as client:
            client.get("/ui/signin")
            csrf = client.cookies["modelyard_csrf"]
            answer = client.post("/ui/signin", data={"token": server.token, "csrf_token": csrf})
            assert answer.status_code == 303
            cookie = answer.headers["set-cookie"]
            assert "modelyard_session=" in cookie
            assert "HttpOnly" in cookie
            assert "SameSite=lax" in cookie

    def test_a_wrong_password_shows_the_reason_beside_the_form(
        self, page: Page, server: RunningServer
    ) -> None:
        page.goto(server.url + "/ui/signin")
        page.get_by_label("Email").fill("admin@modelyard.local")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("Could not sign in")
        expect(page.get_by_label("Email")).to_have_value("admin@modelyard.local")

    def test_a_password_signs_in_and_signing_out_ends_the_session(
        self, page: Page, server: RunningServer
    ) -> None:
        password = "Correct-Horse-Battery-9"
        with httpx.Client(base_url=server.url) as client:
            changed = client.patch(
                "/v2.1/user",
                json={"password": password},
                headers={"Authorization": f"Token {server.token}"},
            )
            assert changed.status_code == 200, changed.text
        page.goto(server.url + "/ui/signin")
        page.get_by_label("Email").fill("admin@modelyard.local")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("heading", name="Home")).to_be_visible()
        session = next(c for c in page.context.cookies() if c["name"] == "modelyard_session")
        assert session["value"] != server.token
        assert session["httpOnly"]

        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/ui/signin$"))
        with httpx.Client(base_url=server.url) as client:
            revoked = client.get(
                "/v2.1/user", headers={"Authorization": f"Bearer {session['value']}"}
            )
            assert revoked.status_code == 401


class TestWithoutAMouseAndOnAPhone:
    def test_signing_in_with_the_keyboard_alone(self, page: Page, server: RunningServer) -> None:
        page.goto(server.url + "/ui/signin")
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "token":
                break
        assert page.evaluate("document.activeElement.id") == "token"
        page.keyboard.type(server.token)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Home")).to_be_visible()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"

    def test_pages_fit_a_phones_width(self, page: Page, server: RunningServer) -> None:
        page.set_viewport_size({"width": 390, "height": 844})
        sign_in(page, server)
        for path in ("/ui/", "/ui/projects/default/models", "/ui/projects/default/logs"):
            page.goto(server.url + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, path
        shoot(page, server, "phone-models")


class TestWithoutJavaScript:
    def test_forms_work_as_plain_posts(
        self, browser: Browser, server: RunningServer, tmp_path: Path
    ) -> None:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.set_default_timeout(30_000)
        sign_in(page, server)
        page.goto(server.url + "/ui/projects/default/models")
        page.get_by_label("Name", exact=True).fill("plain")
        page.get_by_label("Input type").select_option("plain")
        page.get_by_label("Output type").select_option("plain")
        page.get_by_role("button", name="Create the model").click()
        page.get_by_label("Version name").fill("v1")
        page.get_by_role("button", name="Create the version").click()
        package = model_zip(tmp_path / "echo.zip")
        page.get_by_label("Deployment package (.zip").set_input_files(str(package))
        page.get_by_role("button", name="Upload and build").click()
        expect(page.get_by_role("heading", name="plain version v1")).to_be_visible()
        for _ in range(60):
            if page.locator("[data-status]").inner_text() == "available":
                break
            page.wait_for_timeout(1000)
            page.reload()
        expect(page.locator("[data-status]")).to_have_text("available")
        page.get_by_label("Input", exact=True).fill("hello")
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_role("heading", name="Answer of plain v1")).to_be_visible()
        expect(page.locator("[data-result]")).to_contain_text("hello")
        context.close()
