"""The project's other pages in a browser: a pipeline's graph, the settings lists."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
import ubiops
from playwright.sync_api import Page, expect

from tests.support.packages import model_zip
from tests.support.server import RunningServer
from tests.ui.conftest import shoot
from tests.ui.test_dashboard import sign_in

pytestmark = pytest.mark.slow


DOUBLER = """
class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        return {"y": data["x"] * 2}
"""


def deployed(api: ubiops.CoreApi, name: str, package: Path) -> None:
    model(api, name)
    api.model_versions_file_upload("default", name, "v1", file=str(package))
    for _ in range(120):
        if api.model_versions_get("default", name, "v1").status == "available":
            return
        time.sleep(0.5)
    raise AssertionError(f"{name} v1 did not build")


def model(api: ubiops.CoreApi, name: str) -> None:
    api.models_create(
        "default",
        ubiops.ModelCreate(
            name=name,
            input_type="structured",
            output_type="structured",
            input_fields=[ubiops.ModelInputFieldCreate(name="x", data_type="double")],
            output_fields=[ubiops.ModelOutputFieldCreate(name="y", data_type="double")],
        ),
    )
    api.model_versions_create("default", name, ubiops.ModelVersionCreate(version="v1"))


def attach(api: ubiops.CoreApi, source: str, destination: str, field: str) -> None:
    mapping = [ubiops.AttachmentFieldsCreate(source_field_name=field, destination_field_name="x")]
    api.pipeline_object_attachments_create(
        "default",
        "chain",
        ubiops.AttachmentsCreate(source_name=source, destination_name=destination, mapping=mapping),
    )


class TestPipelines:
    def test_a_pipelines_graph_is_drawn_and_a_request_runs_every_object(
        self, page: Page, server: RunningServer, tmp_path: Path
    ) -> None:
        api = server.api()
        package = model_zip(tmp_path / "doubler.zip", DOUBLER)
        for name in ("first", "second"):
            deployed(api, name, package)
        api.pipelines_create(
            "default",
            ubiops.PipelineCreate(
                name="chain",
                input_type="structured",
                input_fields=[ubiops.PipelineInputFieldCreate(name="x", data_type="double")],
            ),
        )
        for name in ("first", "second"):
            api.pipeline_objects_create(
                "default",
                "chain",
                ubiops.PipelineObjectCreate(
                    name=f"{name}-step", reference_type="model", reference_name=name, version="v1"
                ),
            )
        attach(api, "pipeline_start", "first-step", "x")
        attach(api, "first-step", "second-step", "y")
        api.api_client.close()

        sign_in(page, server)
        page.goto(server.url + "/ui/projects/default/pipelines")
        page.get_by_role("link", name="chain").click()
        graph = page.get_by_role("img", name="Pipeline chain")
        for node in ("pipeline_start", "first-step", "second-step"):
            expect(graph.locator(f'[data-node="{node}"]')).to_have_count(1)
        expect(graph.locator(".edge")).to_have_count(2)
        expect(graph.locator('[data-edge="first-step→second-step"]')).to_have_count(1)

        page.get_by_label("Input", exact=True).fill('{"x": 1.5}')
        page.get_by_role("button", name="Send the request").click()
        answer = page.locator("[data-pipeline-answer]")
        expect(answer).to_contain_text("Answered", timeout=60_000)
        expect(answer.locator('[data-object="second-step"]')).to_contain_text('"y": 6.0')
        shoot(page, server, "pipeline")


class TestSettings:
    def test_service_users_and_roles_are_listed(self, page: Page, server: RunningServer) -> None:
        api = server.api()
        api.service_users_create("default", ubiops.ServiceUserCreate(name="robot"))
        api.api_client.close()
        sign_in(page, server)
        page.goto(server.url + "/ui/projects/default/settings")
        expect(page.locator('[data-list="service_users"]')).to_contain_text("robot")
        expect(page.locator('[data-list="roles"]')).to_contain_text("project-admin")
        expect(page.get_by_role("heading", name="Your role assignments here")).to_be_visible()

        page.get_by_label("New service user's name").fill("reader")
        page.get_by_role("button", name="Create the service user").click()
        token = page.locator("[data-token]").inner_text().strip()
        expect(page.locator('[data-list="service_users"]')).to_contain_text("reader")
        api = server.api()
        reader = next(u for u in api.service_users_list("default") if u.name == "reader")
        api.api_client.close()
        page.get_by_label("User or service user id").fill(reader.id)
        page.get_by_label("Role", exact=True).select_option("project-viewer")
        page.get_by_role("button", name="Give the role").click()
        expect(page.locator("[data-assigned]")).to_contain_text("project-viewer")
        shoot(page, server, "settings")

        with httpx.Client(base_url=server.url, headers={"Authorization": f"Token {token}"}) as http:
            assert http.get("/v2.1/projects/default/models").status_code == 200


class TestUsage:
    def test_an_organizations_usage_is_shown_against_its_limits(
        self, page: Page, server: RunningServer
    ) -> None:
        api = server.api()
        model(api, "counted")
        api.api_client.close()
        sign_in(page, server)
        page.get_by_role("link", name="usage").first.click()
        expect(page.get_by_role("heading", name="Usage of default")).to_be_visible()
        versions = page.locator('[data-gauge="Model versions"]')
        expect(versions.locator("td").first).to_have_text("1")
        expect(page.locator('[data-gauge="Projects"] td').first).to_have_text("1")
        shoot(page, server, "usage")


class TestEnvironmentVariables:
    def test_a_secret_shows_as_set_and_never_its_value(
        self, page: Page, server: RunningServer
    ) -> None:
        api = server.api()
        model(api, "configured")
        secret = "s3cr3t-value-never-shown"
        api.model_environment_variables_create(
            "default",
            "configured",
            ubiops.EnvironmentVariableCreate(name="API_KEY", value=secret, secret=True),
        )
        api.model_version_environment_variables_create(
            "default",
            "configured",
            "v1",
            ubiops.EnvironmentVariableCreate(name="MODE", value="fast", secret=False),
        )
        api.api_client.close()
        sign_in(page, server)
        page.goto(server.url + "/ui/projects/default/models/configured/versions/v1")
        expect(page.get_by_role("row", name=re.compile("^API_KEY "))).to_contain_text(
            "secret (set)"
        )
        expect(page.get_by_role("row", name=re.compile("^MODE "))).to_contain_text("fast")
        assert secret not in page.content()

    def test_a_secret_added_from_the_page_is_sealed_and_a_bad_name_is_named(
        self, page: Page, server: RunningServer
    ) -> None:
        api = server.api()
        model(api, "sealed")
        api.api_client.close()
        sign_in(page, server)
        page.goto(server.url + "/ui/projects/default/models/sealed/versions/v1")
        page.get_by_label("Name", exact=True).fill("DB_PASSWORD")
        page.get_by_label("Value").fill("typed-in-secret")
        page.get_by_label("secret (sealed at rest").check()
        page.get_by_role("button", name="Add the variable to this version").click()
        expect(page.get_by_role("row", name=re.compile("^DB_PASSWORD "))).to_contain_text(
            "secret (set)"
        )
        assert "typed-in-secret" not in page.content()

        page.get_by_label("Name", exact=True).fill("not a name!")
        page.get_by_label("Value").fill("x")
        page.get_by_role("button", name="Add the variable to this version").click()
        expect(page.get_by_role("alert")).to_contain_text("field: name")
