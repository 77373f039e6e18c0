"""Pages show what the principal may see, by the API's own rules: a viewer reads but its form
is refused, a service user with one narrow role sees no lists."""

from __future__ import annotations

import pytest
import ubiops
from playwright.sync_api import Page, expect

from tests.support.server import RunningServer
from tests.ui.test_dashboard import sign_in

pytestmark = pytest.mark.slow


def as_token(server: RunningServer, token: str) -> RunningServer:
    return RunningServer(server.url, token, server.data_dir, server.database_url, server.process)


def viewer(server: RunningServer) -> str:
    """A member of the organization ``default``: a viewer of its projects."""
    created = server.cli("users", "create", "viewer@example.com")
    token = next(
        line.split()[1] for line in created.stdout.splitlines() if line.startswith("Token")
    )
    api = server.api()
    api.organization_users_create(
        "default", ubiops.OrganizationUserCreate(email="viewer@example.com", admin=False)
    )
    api.models_create(
        "default", ubiops.ModelCreate(name="shown", input_type="plain", output_type="plain")
    )
    api.api_client.close()
    return token


def caller(server: RunningServer) -> str:
    """A service user of ``default`` that may only make requests."""
    api = server.api()
    api.roles_create(
        "default",
        ubiops.RoleCreate(name="caller", permissions=["models.versions.requests.create"]),
    )
    created = api.service_users_create("default", ubiops.ServiceUserCreate(name="robot"))
    api.role_assignments_create(
        "default", ubiops.RoleAssignmentCreate(user_id=created.id, role="caller")
    )
    api.api_client.close()
    return str(created.token)


class TestWhatEachPrincipalSees:
    def test_a_viewer_reads_models_but_creating_one_is_refused(
        self, page: Page, server: RunningServer
    ) -> None:
        sign_in(page, as_token(server, viewer(server)))
        page.goto(server.url + "/ui/projects/default/models")
        expect(page.get_by_role("link", name="shown")).to_be_visible()
        page.get_by_label("Name", exact=True).fill("forbidden")
        page.get_by_role("button", name="Create the model").click()
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("models.create")

    def test_a_service_user_with_one_narrow_role_sees_no_lists(
        self, page: Page, server: RunningServer
    ) -> None:
        sign_in(page, as_token(server, caller(server)))
        row = page.locator('[data-project="default"]')
        expect(row).to_contain_text("You may not list this project's models.")
        answer = page.goto(server.url + "/ui/projects/default/models")
        assert answer is not None
        assert answer.status == 403
        settings = page.goto(server.url + "/ui/projects/default/settings")
        assert settings is not None
        assert settings.status == 403
        expect(page.get_by_role("alert")).to_contain_text("projects.get")
