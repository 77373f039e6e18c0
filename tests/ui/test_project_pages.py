"""The project's other pages in a browser: a pipeline's graph, the settings lists."""

from __future__ import annotations

import pytest
import ubiops
from playwright.sync_api import Page, expect

from tests.support.server import RunningServer
from tests.ui.conftest import shoot
from tests.ui.test_dashboard import sign_in

pytestmark = pytest.mark.slow


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
    def test_a_pipelines_objects_and_attachments_are_drawn(
        self, page: Page, server: RunningServer
    ) -> None:
        api = server.api()
        for name in ("first", "second"):
            model(api, name)
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
        shoot(page, server, "settings")


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
