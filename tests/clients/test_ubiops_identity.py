"""The ``ubiops==2.1.0`` client, unmodified, drives organizations, projects and the user."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import ubiops
from ubiops.rest import ApiException

from tests.clients.conftest import core_api
from tests.support.server import RunningServer
from tests.support.ubiops import error_of, unique

pytestmark = pytest.mark.slow


@pytest.fixture
def organization(api: ubiops.CoreApi) -> str:
    name = unique("org")
    api.organizations_create(
        ubiops.OrganizationCreate(name=name, subscription="free", subscription_agreed=True)
    )
    return name


@pytest.fixture
def stranger(server: RunningServer) -> Iterator[ubiops.CoreApi]:
    """A second user, created with the CLI, who belongs to no organization of the admin."""
    output = server.cli("users", "create", f"{unique('user')}@example.com").stdout
    token = next(line.split()[1] for line in output.splitlines() if line.startswith("Token "))
    yield from core_api(server, token)


class TestService:
    def test_status(self, api: ubiops.CoreApi) -> None:
        assert api.service_status().status == "ok"


class TestOrganizations:
    def test_create_list_get_update(self, api: ubiops.CoreApi) -> None:
        name = unique("org")
        created = api.organizations_create(
            ubiops.OrganizationCreate(
                name=name, subscription="professional", subscription_agreed=True
            )
        )
        assert created.name == name
        assert created.creation_date is not None
        assert name in [o.name for o in api.organizations_list()]
        detail = api.organizations_get(name)
        assert (detail.subscription, detail.status) == ("professional", "active")
        renamed = api.organizations_update(name, ubiops.OrganizationUpdate(name=f"{name}-x"))
        assert renamed.name == f"{name}-x"
        assert api.organizations_get(f"{name}-x").id == created.id

    def test_invalid_name_is_a_readable_400(self, api: ubiops.CoreApi) -> None:
        with pytest.raises(ApiException) as caught:
            api.organizations_create(
                ubiops.OrganizationCreate(
                    name="Not_Valid", subscription="free", subscription_agreed=True
                )
            )
        assert caught.value.status == 400
        assert error_of(caught.value)["field"] == "name"

    def test_unknown_subscription_is_a_readable_400(self, api: ubiops.CoreApi) -> None:
        with pytest.raises(ApiException) as caught:
            api.organizations_create(
                ubiops.OrganizationCreate(
                    name=unique("org"), subscription="gold", subscription_agreed=True
                )
            )
        assert caught.value.status == 400
        assert "gold" in error_of(caught.value)["error"]


class TestProjects:
    def test_create_list_update_delete(self, api: ubiops.CoreApi, organization: str) -> None:
        name = unique("proj")
        created = api.projects_create(
            ubiops.ProjectCreate(name=name, organization_name=organization)
        )
        assert (created.name, created.organization_name) == (name, organization)
        listed = {p.name: p for p in api.projects_list()}
        assert listed[name].id == created.id
        assert api.projects_get(name).creation_date == created.creation_date
        updated = api.projects_update(name, ubiops.ProjectUpdate(name=f"{name}-new"))
        assert updated.name == f"{name}-new"
        assert api.projects_delete(f"{name}-new") is None
        assert f"{name}-new" not in [p.name for p in api.projects_list()]

    def test_unknown_project_is_404(self, api: ubiops.CoreApi) -> None:
        with pytest.raises(ApiException) as caught:
            api.projects_get(unique("missing"))
        assert caught.value.status == 404
        assert "was not found" in error_of(caught.value)["error"]

    def test_invalid_project_name_is_400(self, api: ubiops.CoreApi, organization: str) -> None:
        with pytest.raises(ApiException) as caught:
            api.projects_create(ubiops.ProjectCreate(name="-bad", organization_name=organization))
        assert caught.value.status == 400
        assert "lowercase" in error_of(caught.value)["error"]

    def test_another_organizations_project_is_invisible(
        self, api: ubiops.CoreApi, organization: str, stranger: ubiops.CoreApi
    ) -> None:
        name = unique("proj")
        api.projects_create(ubiops.ProjectCreate(name=name, organization_name=organization))
        assert name not in [p.name for p in stranger.projects_list()]
        for call in (
            lambda: stranger.projects_get(name),
            lambda: stranger.projects_update(name, ubiops.ProjectUpdate(name="taken-over")),
            lambda: stranger.projects_delete(name),
            lambda: stranger.organizations_get(organization),
        ):
            with pytest.raises(ApiException) as caught:
                call()
            assert caught.value.status == 404
        assert api.projects_get(name).name == name


class TestAuthentication:
    def test_wrong_token_is_401_with_a_readable_body(self, server: RunningServer) -> None:
        for client in core_api(server, "my_not-a-real-token"):
            with pytest.raises(ApiException) as caught:
                client.projects_list()
            assert caught.value.status == 401
            assert "invalid" in error_of(caught.value)["error"]

    def test_revoked_token_stops_working(self, server: RunningServer) -> None:
        email = f"{unique('user')}@example.com"
        output = server.cli("users", "create", email).stdout
        token = next(line.split()[1] for line in output.splitlines() if line.startswith("Token "))
        for client in core_api(server, token):
            assert client.user_get().email == email
            server.cli("tokens", "revoke", token)
            with pytest.raises(ApiException) as caught:
                client.user_get()
            assert caught.value.status == 401


class TestUser:
    def test_get_and_update_self(self, stranger: ubiops.CoreApi) -> None:
        me = stranger.user_get()
        # the 2.1.0 client insists on email and password in every UserUpdate
        update = ubiops.UserUpdate(
            email=me.email, password="Fir5t-password", name="Ada", surname="Lovelace"
        )
        updated = stranger.user_update(update)
        assert (updated.id, updated.name, updated.surname) == (me.id, "Ada", "Lovelace")
        with pytest.raises(ApiException) as caught:
            stranger.user_update(
                ubiops.UserUpdate(
                    email=me.email, password="S3cond-password", previous_password="wrong"
                )
            )
        assert caught.value.status == 400
        assert error_of(caught.value)["field"] == "previous_password"
        again = ubiops.UserUpdate(
            email=me.email, password="S3cond-password", previous_password="Fir5t-password"
        )
        assert stranger.user_update(again).email == me.email

    def test_admin_creates_users_and_a_user_deletes_itself(
        self, api: ubiops.CoreApi, stranger: ubiops.CoreApi
    ) -> None:
        email = f"{unique('new')}@example.com"
        pending = api.user_create(
            ubiops.UserPendingCreate(email=email, password="long-enough", terms_conditions=True)
        )
        assert pending.email == email
        with pytest.raises(ApiException) as forbidden:
            stranger.user_create(
                ubiops.UserPendingCreate(
                    email=unique("x") + "@example.com",
                    password="long-enough",
                    terms_conditions=True,
                )
            )
        assert forbidden.value.status == 403
        assert stranger.user_delete() is None
        with pytest.raises(ApiException) as gone:
            stranger.user_get()
        assert gone.value.status == 401
