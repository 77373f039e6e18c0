"""What model code and SDK users rely on, driven by the real ``leia-api-sdk==1.0.9``:
``model_params`` reaches ``apply`` and ``train`` as a dict (``{}`` when the job names none, and
anything but an object is a 400); a manifest's ``model_type`` is one of Leia's ModelTypes or
the upload is a 400 that stores nothing; a job's ``result_type`` names the shape of its
``result`` (the SDK's ``ResultTypes``: ``object``, ``dict[object]``, ``classification``,
``dict[classification]``, ``model``)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import leiaapi.generated as leia
import pytest
from leiaapi.generated.rest import ApiException

from tests.support.leia import Session, login, model_zip, wait_for_job
from tests.support.server import RunningServer

pytestmark = pytest.mark.slow
MODULE = f"probe_{uuid.uuid4().hex[:8]}"
"""This module's model module: train jobs pick the newest model with it in the shared server."""
TRAINED_WITH = "trained_with.json"

PROBE = f'''
import json, os

class Probe:
    """Reports the model_params it was handed, calling .get on them as model code does."""

    def __init__(self, base_directory, context):
        self.base_directory = base_directory

    def apply(self, document, model_params):
        if model_params.get("classify"):
            return {{"category": "c", "score": 1.0, "accuracy": 0.5}}
        return {{"type": type(model_params).__name__, "params": model_params,
                "id": document["id"]}}

    def train(self, documents, model_params):
        model_params.get("epochs")
        with open(os.path.join(self.base_directory, "{TRAINED_WITH}"), "w") as handle:
            json.dump({{"type": type(model_params).__name__, "params": model_params}}, handle)
'''
CLASSIFIED = {"category": "c", "score": 1.0, "accuracy": 0.5}


def manifest(model_type: object) -> dict[str, object]:
    return {
        "model_module": MODULE,
        "model_clazz": "Probe",
        "model_type": model_type,
        "input_types": ["text"],
    }


@pytest.fixture(scope="module")
def admin(server: RunningServer) -> Session:
    return login(server.url, server.token)


@pytest.fixture(scope="module")
def probe(admin: Session) -> Any:
    return leia.ModelAdminApi(admin.api).admin_create_model(
        model_zip(module=MODULE, clazz="Probe", source=PROBE, manifest=manifest("classification")),
        admin.token,
        "probe",
        admin.application_id,
        ttl=-1,
    )


@pytest.fixture(scope="module")
def documents(admin: Session) -> list[Any]:
    api = leia.DocumentApi(admin.api)
    return [
        api.create_document(f"text {n}".encode(), admin.token, f"{n}.txt", tags=[MODULE])
        for n in ("one", "two")
    ]


def apply(admin: Session, model: Any, documents: list[Any], **options: Any) -> Any:
    api = leia.ModelAdminApi(admin.api)
    ids = [document.id for document in documents]
    return api.admin_apply_model_async(admin.token, admin.application_id, model.id, ids, **options)


def done(admin: Session, job: Any) -> Any:
    ended = wait_for_job(admin.api, admin.token, job.id)
    assert ended.status == "PROCESSED", ended.reason
    return ended


def refused(call: Callable[[], Any]) -> dict[str, Any]:
    """The Leia envelope of a call that must be a 400."""
    with pytest.raises(ApiException) as caught:
        call()
    assert caught.value.status == 400, caught.value.body
    envelope: dict[str, Any] = json.loads(caught.value.body)
    return envelope


def stored_files(server: RunningServer) -> set[Path]:
    return {path for path in (server.data_dir / "artifacts").rglob("*") if path.is_file()}


class TestModelParams:
    def test_a_job_naming_none_hands_the_model_an_empty_dict(
        self, admin: Session, probe: Any, documents: list[Any]
    ) -> None:
        result = done(admin, apply(admin, probe, documents[:1])).result
        assert result == {"type": "dict", "params": {}, "id": documents[0].id}

    def test_params_from_the_query_or_a_body_arrive_as_the_dict_sent(
        self, admin: Session, probe: Any, documents: list[Any]
    ) -> None:
        queried = apply(admin, probe, documents[:1], model_params={"k": [1, 2], "n": None})
        body = leia.ApplyBody(model_params={"k": "from the body"})
        posted = apply(admin, probe, documents[:1], body=body)
        assert done(admin, queried).result["params"] == {"k": [1, 2], "n": None}
        assert done(admin, posted).result["params"] == {"k": "from the body"}

    @pytest.mark.parametrize("value", [[1, 2], 5, "'text'", "not a literal"])
    def test_params_that_are_not_an_object_are_a_400_naming_them(
        self, admin: Session, probe: Any, documents: list[Any], value: object
    ) -> None:
        envelope = refused(lambda: apply(admin, probe, documents[:1], model_params=value))
        assert envelope["field"] == "model_params"
        assert envelope["message"].startswith("model_params:")

    def test_a_body_or_a_train_job_with_a_list_is_a_400_too(
        self, admin: Session, probe: Any, documents: list[Any]
    ) -> None:
        body = leia.ApplyBody(model_params=["a"])
        by_body = refused(lambda: apply(admin, probe, documents[:1], body=body))
        api = leia.ModelAdminApi(admin.api)
        by_train = refused(
            lambda: api.admin_train_model_async(
                admin.token, admin.application_id, MODULE, MODULE, model_name="t", model_params=[1]
            )
        )
        assert by_body["field"] == by_train["field"] == "model_params"
        assert by_body["status"] == by_train["status"] == 400

    def test_train_hands_the_model_a_dict_too(
        self, admin: Session, probe: Any, documents: list[Any]
    ) -> None:
        api = leia.ModelAdminApi(admin.api)
        plain = api.admin_train_model_async(
            admin.token, admin.application_id, MODULE, MODULE, model_name="trained-plain"
        )
        body = leia.TrainBody(model_params={"epochs": 2})
        named = api.admin_train_model_async(
            admin.token, admin.application_id, MODULE, MODULE, model_name="trained-2", body=body
        )
        for job, params in ((plain, {}), (named, {"epochs": 2})):
            ended = done(admin, job)
            assert (job.result_type, ended.result_type) == ("model", "model")
            content = api.admin_get_model_contents(
                admin.token, admin.application_id, ended.result["id"], _preload_content=False
            ).data
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                trained_with = json.loads(archive.read(TRAINED_WITH))
            assert trained_with == {"type": "dict", "params": params}


class TestModelType:
    @pytest.mark.parametrize(
        "model_type", ["classification", "image_extraction", "key_value_extraction"]
    )
    def test_each_leia_model_type_is_accepted(self, admin: Session, model_type: str) -> None:
        api = leia.ModelAdminApi(admin.api)
        name = f"typed-{uuid.uuid4().hex[:8]}"
        created = api.admin_create_model(
            model_zip(module=MODULE, clazz="Probe", source=PROBE, manifest=manifest(model_type)),
            admin.token,
            name,
            admin.application_id,
        )
        assert created.model_type == model_type
        found = api.admin_get_models(admin.token, name=name, model_type=model_type)
        assert [model.id for model in found] == [created.id]
        api.admin_delete_model(admin.token, admin.application_id, created.id)

    @pytest.mark.parametrize("model_type", ["regression", "Classification", 3])
    def test_any_other_is_a_400_naming_it_and_nothing_is_stored(
        self, server: RunningServer, admin: Session, model_type: object
    ) -> None:
        api = leia.ModelAdminApi(admin.api)
        name = f"refused-{uuid.uuid4().hex[:8]}"
        content = model_zip(
            module=MODULE, clazz="Probe", source=PROBE, manifest=manifest(model_type)
        )
        before = stored_files(server)
        envelope = refused(
            lambda: api.admin_create_model(content, admin.token, name, admin.application_id)
        )
        assert envelope["field"] == "model_type"
        assert envelope["message"].startswith("model_type:")
        assert json.dumps(model_type) in envelope["message"]
        assert api.admin_get_models(admin.token, name=name) == []
        assert stored_files(server) == before


class TestResultType:
    def test_one_document_gives_its_object(
        self, admin: Session, probe: Any, documents: list[Any]
    ) -> None:
        job = apply(admin, probe, documents[:1])
        ended = done(admin, job)
        assert (job.result_type, ended.result_type) == ("object", leia.ResultTypes.OBJECT)
        assert ended.result["id"] == documents[0].id

    def test_several_documents_give_a_dict_by_document_id(
        self, admin: Session, probe: Any, documents: list[Any]
    ) -> None:
        job = apply(admin, probe, documents)
        ended = done(admin, job)
        assert (job.result_type, ended.result_type) == ("dict[object]", "dict[object]")
        assert ended.result == {
            document.id: {"type": "dict", "params": {}, "id": document.id} for document in documents
        }

    def test_classification_of_one_and_of_several_documents(
        self, admin: Session, probe: Any, documents: list[Any]
    ) -> None:
        options = {"format_type": "classification", "model_params": {"classify": True}}
        one = apply(admin, probe, documents[:1], **options)
        several = apply(admin, probe, documents, **options)
        assert one.result_type == leia.ResultTypes.CLASSIFICATION
        assert several.result_type == leia.ResultTypes.DICT_CLASSIFICATION_
        assert done(admin, one).result == CLASSIFIED
        assert done(admin, several).result == {document.id: CLASSIFIED for document in documents}

    def test_the_listed_jobs_say_the_same(
        self, admin: Session, probe: Any, documents: list[Any]
    ) -> None:
        job = done(admin, apply(admin, probe, documents))
        listed = leia.JobApi(admin.api).get_jobs(admin.token, job_id=job.id)
        assert [(j.result_type, sorted(j.result)) for j in listed] == [
            ("dict[object]", sorted(document.id for document in documents))
        ]
