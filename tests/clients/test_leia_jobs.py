"""The real ``leia-api-sdk==1.0.9``, unmodified, end to end: log in, upload documents, create a
model from a zip with a requirement, list/filter/sort/page it, apply it to one and several
documents, chain jobs (and see a failure propagate), hold and start, cancel, receive a callback,
train a new model and apply it, and delete everything. One built model serves the module."""

from __future__ import annotations

import uuid
from typing import Any

import leiaapi.generated as leia
import pytest
from leiaapi.generated.rest import ApiException

from tests.support.leia import (
    Session,
    eventually,
    listening,
    login,
    model_zip,
    wait_for_job,
)
from tests.support.server import RunningServer

pytestmark = pytest.mark.slow
SLOW = {"sleep": 3}
TAG = f"words-{uuid.uuid4().hex[:8]}"
"""The tag of this module's models: the server (and its project) is shared by modules."""


@pytest.fixture(scope="module")
def admin(server: RunningServer) -> Session:
    return login(server.url, server.token)


@pytest.fixture(scope="module")
def model(admin: Session) -> Any:
    """One model with a (small, pure-Python) requirement, built once for the module."""
    api = leia.ModelAdminApi(admin.api)
    created = api.admin_create_model(
        model_zip(requirements="six==1.16.0\n"),
        admin.token,
        "counter",
        admin.application_id,
        description="counts words",
        tags=[TAG],
        ttl=-1,
    )
    return created


@pytest.fixture(scope="module")
def documents(admin: Session) -> list[Any]:
    api = leia.DocumentApi(admin.api)
    return [
        api.create_document(b"the quick brown fox jumps", admin.token, "fox.txt", tags=["animals"]),
        api.create_document(b"hello world", admin.token, "hello.txt", tags=["greetings"]),
    ]


def apply(admin: Session, model: Any, ids: list[str], **options: Any) -> Any:
    api = leia.ModelAdminApi(admin.api)
    return api.admin_apply_model_async(admin.token, admin.application_id, model.id, ids, **options)


class TestLogin:
    def test_login_whoami_logout(self, server: RunningServer) -> None:
        session = login(server.url, server.token)
        applications = leia.ApplicationApi(session.api)
        assert applications.who_am_i(session.token).application_type == "admin"
        applications.logout_application(session.token)
        with pytest.raises(ApiException) as caught:
            applications.who_am_i(session.token)
        assert caught.value.status == 401

    def test_a_developer_application_is_refused_admin_methods(self, admin: Session) -> None:
        created = leia.ApplicationAdminApi(admin.api).admin_create_application(
            admin.token,
            body={
                "application_name": "developer",
                "application_type": "developer",
                "email": "developer@example.com",
                "first_name": "Dev",
                "last_name": "Eloper",
            },
        )
        developer = login(admin.api.configuration.host.removesuffix("/leia/1.0.0"), created.api_key)
        with pytest.raises(ApiException) as caught:
            leia.ModelAdminApi(developer.api).admin_get_models(developer.token)
        assert caught.value.status == 403


class TestModels:
    def test_list_filter_sort_page_get_download_edit_tag(self, admin: Session, model: Any) -> None:
        api = leia.ModelAdminApi(admin.api)
        other = api.admin_create_model(
            model_zip(),
            admin.token,
            "another",
            admin.application_id,
            short_name="another",
            tags=[TAG],
        )
        listed, status, headers = api.admin_get_models_with_http_info(
            admin.token, sort="-name", limit=1, tags=[TAG]
        )
        assert (status, [m.name for m in listed]) == (200, ["counter"])
        assert headers["Content-Range"] == "0-0/2"
        by_tag = api.admin_get_models(admin.token, tags=[TAG], input_types=["text"], name="counter")
        assert [m.id for m in by_tag] == [model.id]
        assert api.admin_get_models(admin.token, description="nothing like it") == []
        assert api.admin_get_model(admin.token, admin.application_id, "another").id == other.id
        content = api.admin_get_model_contents(
            admin.token, admin.application_id, model.id, _preload_content=False
        )
        assert int(content.headers["Content-Length"]) == int(model.size) == len(content.data)
        edited = api.admin_edit_model(admin.token, admin.application_id, other.id, description="d")
        assert edited.description == "d"
        assert "x" in api.admin_tag_model(admin.token, admin.application_id, other.id, "x").tags
        api.admin_untag_model(admin.token, admin.application_id, other.id, "x")
        assert api.admin_get_model(admin.token, admin.application_id, other.id).tags == [TAG]
        api.admin_delete_model(admin.token, admin.application_id, other.id)
        with pytest.raises(ApiException) as caught:
            api.admin_get_model(admin.token, admin.application_id, other.id)
        assert caught.value.status == 404


class TestApply:
    def test_one_and_several_documents(
        self, admin: Session, model: Any, documents: list[Any]
    ) -> None:
        one = apply(admin, model, [documents[0].id], model_params={"k": "v"})
        assert one.status in ("READY", "LOADING_MODEL", "PROCESSING", "PROCESSED")
        done = wait_for_job(admin.api, admin.token, one.id)
        assert done.status == "PROCESSED", done.reason
        assert done.result["words"] == 5
        assert done.result["params"] == {"k": "v"}
        both = apply(admin, model, [d.id for d in documents])
        result = wait_for_job(admin.api, admin.token, both.id).result
        assert list(result) == [documents[0].id, documents[1].id]
        assert [r["words"] for r in result.values()] == [5, 2]

    def test_classification(self, admin: Session, model: Any, documents: list[Any]) -> None:
        job = apply(
            admin,
            model,
            [documents[0].id],
            format_type="classification",
            model_params={"classify": True},
        )
        done = wait_for_job(admin.api, admin.token, job.id)
        assert done.result == {"category": "long", "score": 0.9, "accuracy": 0.8}
        wrong = apply(admin, model, [documents[0].id], format_type="classification")
        failed = wait_for_job(admin.api, admin.token, wrong.id)
        assert failed.status == "FAILED"
        assert "category" in failed.reason

    def test_chain_and_a_failure_propagates(
        self, admin: Session, model: Any, documents: list[Any]
    ) -> None:
        first = apply(admin, model, [documents[0].id], model_params=SLOW)
        second = apply(admin, model, [documents[1].id], execute_after_id=first.id)
        assert second.status == "WAITING"
        assert wait_for_job(admin.api, admin.token, second.id).status == "PROCESSED"
        failing = apply(admin, model, [documents[0].id], model_params={"fail": True})
        chained = apply(admin, model, [documents[1].id], execute_after_id=failing.id)
        failed = wait_for_job(admin.api, admin.token, failing.id)
        assert failed.status == "FAILED"
        assert failed.reason.endswith("the model was told to fail")
        after = wait_for_job(admin.api, admin.token, chained.id)
        assert after.status == "FAILED"
        assert failing.id in after.reason

    def test_hold_start_and_cancel(self, admin: Session, model: Any, documents: list[Any]) -> None:
        jobs = leia.JobApi(admin.api)
        held = apply(admin, model, [documents[0].id], block_processing=True)
        assert held.status == "BLOCKED"
        assert jobs.get_job(admin.token, held.id).status == "BLOCKED"
        jobs.start_job(admin.token, held.id)
        assert wait_for_job(admin.api, admin.token, held.id).status == "PROCESSED"
        cancelled = apply(admin, model, [documents[0].id], block_processing=True)
        jobs.cancel_job(admin.token, cancelled.id)
        assert jobs.get_job(admin.token, cancelled.id).status == "CANCELED"
        jobs.cancel_job(admin.token, held.id)
        assert jobs.get_job(admin.token, held.id).status == "PROCESSED"
        listed, _, headers = jobs.get_jobs_with_http_info(admin.token, status="CANCELED")
        assert cancelled.id in [job.id for job in listed]
        assert headers["Content-Range"].endswith(f"/{len(listed)}")

    def test_callback_reaches_a_local_listener(
        self, admin: Session, model: Any, documents: list[Any]
    ) -> None:
        with listening(refuse=1) as listener:
            body = leia.ApplyBody(
                callback_url=f"http://127.0.0.1:{listener.port}/done",
                callback_headers={"X-Secret": "s3"},
            )
            job = apply(admin, model, [documents[1].id], body=body)
            assert eventually(lambda: len(listener.received) == 1)
            headers, payload = listener.received[0]
        assert headers["X-Secret"] == "s3"
        assert payload["id"] == job.id
        assert payload["status"] == "PROCESSED"
        assert payload["result"]["words"] == 2


class TestTrain:
    def test_train_from_tagged_documents_then_apply(
        self, admin: Session, model: Any, documents: list[Any]
    ) -> None:
        api = leia.ModelAdminApi(admin.api)
        job = api.admin_train_model_async(
            admin.token,
            admin.application_id,
            "counter",
            "greetings",
            model_name="trained",
            short_name="trained",
        )
        done = wait_for_job(admin.api, admin.token, job.id)
        assert done.status == "PROCESSED", done.reason
        trained = api.admin_get_model(admin.token, admin.application_id, "trained")
        assert trained.id == done.result["id"]
        assert trained.model_clazz == "Counter"
        applied = apply(admin, trained, [documents[1].id])
        result = wait_for_job(admin.api, admin.token, applied.id).result
        assert result["known"] == 2
        assert result["model"] == "trained"


class TestDeleteEverything:
    def test_delete_models_and_documents(self, admin: Session, documents: list[Any]) -> None:
        models = leia.ModelAdminApi(admin.api)
        for found in models.admin_get_models(admin.token):
            models.admin_delete_model(admin.token, admin.application_id, found.id)
        docs = leia.DocumentApi(admin.api)
        for document in docs.get_documents(admin.token):
            docs.delete_document(admin.token, document.id)
        assert models.admin_get_models(admin.token) == []
        assert docs.get_documents(admin.token) == []
