"""The SDK's session helper and what a developer application may do: the helper logs in again
on a 401 (so a logged-out token must be a 401), a developer applies and trains the models it
is allowed to use, and sees only its own documents and jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import leiaapi.generated as leia
import pytest
from leiaapi.generated.rest import ApiException

from tests.support.leia import Session, client, login, model_zip, wait_for_job
from tests.support.server import RunningServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def admin(server: RunningServer) -> Session:
    return login(server.url, server.token)


@pytest.fixture(scope="module")
def developer(server: RunningServer, admin: Session) -> Session:
    created = leia.ApplicationAdminApi(admin.api).admin_create_application(
        admin.token,
        body={
            "application_name": "reader",
            "application_type": "developer",
            "email": "reader@example.com",
            "first_name": "Rea",
            "last_name": "Der",
        },
    )
    return login(server.url, created.api_key)


class TestSessionHelper:
    def test_a_logged_out_token_is_renewed_by_the_helper(self, server: RunningServer) -> None:
        from leiaapi.generated import api_client
        from leiaapi.helpers import session as helper

        # the helper patches every ApiClient when first imported; patch again (and undo after)
        patched = getattr(helper, "__call_api_with_auto_login")
        api_client.ApiClient._ApiClient__call_api = patched
        manager = helper.SessionManager(server.token, client(server.url), auto_update_token=False)
        try:
            manager.set_as_default().login()
            old = manager.token
            applications = leia.ApplicationApi(manager.client)
            applications.logout_application(old)
            documents = leia.DocumentApi(manager.client).get_documents(old)
            assert isinstance(documents, list)
            assert manager.token != old
            assert applications.who_am_i(manager.token).email == manager.application.email
        finally:
            api_client.ApiClient._ApiClient__call_api = helper.old__call_api
            helper.SessionManager.DEFAULT_SESSION = None


class TestDeveloper:
    def test_applies_an_allowed_model_to_its_own_documents(
        self, admin: Session, developer: Session
    ) -> None:
        models = leia.ModelAdminApi(admin.api)
        shared = models.admin_create_model(
            model_zip(), admin.token, "shared", admin.application_id, allow_all_applications=True
        )
        private = models.admin_create_model(
            model_zip(), admin.token, "private", admin.application_id
        )
        visible = leia.ModelApi(developer.api).get_models(developer.token)
        assert [m.id for m in visible] == [shared.id]
        mine = leia.DocumentApi(developer.api).create_document(
            b"one two", developer.token, "d.txt", tags=["mine"]
        )
        theirs = leia.DocumentApi(admin.api).create_document(b"x", admin.token, "x.txt")
        api = leia.ModelApi(developer.api)
        job = api.apply_model_async(developer.token, shared.id, [mine.id])
        assert wait_for_job(developer.api, developer.token, job.id).result["words"] == 2
        for model_id, document_id in ((private.id, mine.id), (shared.id, theirs.id)):
            with pytest.raises(ApiException) as caught:
                api.apply_model_async(developer.token, model_id, [document_id])
            assert caught.value.status == 404
        with pytest.raises(ApiException) as hidden:
            leia.JobApi(admin.api).get_job(admin.token, job.id)
        assert hidden.value.status == 404

    def test_documents_filters_and_tags(self, developer: Session) -> None:
        documents = leia.DocumentApi(developer.api)
        before = datetime.now(UTC) - timedelta(seconds=1)
        created = documents.create_document(b"abc", developer.token, "t.txt", tags=["a", "b"])
        documents.tag_document(developer.token, created.id, "c")
        assert set(documents.get_documents_tags(developer.token)) >= {"a", "b", "c"}
        found: list[Any] = documents.get_documents(
            developer.token, tags=["a", "c"], created_after=before
        )
        assert [d.id for d in found] == [created.id]
        documents.untag_document(developer.token, created.id, "c")
        assert documents.get_documents(developer.token, tags=["c"]) == []
        assert documents.get_document(developer.token, created.id).md5sum
