"""``/api/models``: registered models, their experiments, runs and datasets."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Response

from modelyard.api.deps import SessionDep, StoreDep
from modelyard.api.kept import kept
from modelyard.api.permissions import Scope
from modelyard.api.registry.auth import allowed
from modelyard.api.registry.protocol.models import (
    ModelDatasetInput,
    ModelInput,
    ModelRunInput,
    ModelUpdateInput,
)
from modelyard.api.registry.protocol.outputs import (
    DatasetOutput,
    ExperimentOutput,
    ModelOutput,
    ModelRunOutput,
)
from modelyard.api.registry.routes import route
from modelyard.api.registry.translate import models as wire
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.core.tracking import service

router = Router()


def list_all(
    session: SessionDep, scope: Annotated[Scope, allowed("tracking.models.list")]
) -> list[ModelOutput]:
    return [wire.model(m) for m in service.all_models(session, scope.project)]


def search(
    session: SessionDep,
    scope: Annotated[Scope, allowed("tracking.models.list")],
    model_name: str | None = None,
    model_url: str | None = None,
    model_info: str | None = None,
    experiment_name: str | None = None,
) -> list[ModelOutput]:
    query = wire.model_search(
        model_name=model_name,
        model_url=model_url,
        model_info=model_info,
        experiment_name=experiment_name,
    )
    return [wire.model(m) for m in service.search_models(session, scope.project, query)]


def create(
    session: SessionDep,
    scope: Annotated[Scope, allowed("tracking.models.create")],
    body: Annotated[ModelInput, Body()],
) -> ModelOutput:
    return wire.model(service.create_model(session, scope.project, wire.model_create(body)))


router.add_api_route("/", kept(search), methods=["GET"])
router.add_api_route("/", create, methods=["POST"], status_code=201)


route(router, "GET", "/all")(kept(list_all))


@route(router, "GET", "/id/{model_id}")
@kept
def get_model(
    model_id: str, session: SessionDep, scope: Annotated[Scope, allowed("tracking.models.get")]
) -> ModelOutput:
    return wire.model(service.get_model(session, scope.project, model_id))


@route(router, "PATCH", "/id/{model_id}")
def update_model(
    model_id: str,
    body: Annotated[ModelUpdateInput, Body()],
    session: SessionDep,
    scope: Annotated[Scope, allowed("tracking.models.update")],
) -> ModelOutput:
    changes = wire.model_update(body)
    return wire.model(service.update_model(session, scope.project, model_id, changes))


@route(router, "DELETE", "/id/{model_id}", status_code=204)
def delete_model(
    model_id: str,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("tracking.models.delete")],
) -> Response:
    service.delete_model(session, store, scope.project, model_id)
    return no_content()


@route(router, "GET", "/id/{model_id}/experiments")
def model_experiments(
    model_id: str,
    session: SessionDep,
    scope: Annotated[Scope, allowed("tracking.experiments.list")],
) -> list[ExperimentOutput]:
    found = service.model_experiments(session, scope.project, model_id)
    return [wire.experiment(e) for e in found]


@route(router, "GET", "/id/{model_id}/runs")
def model_runs(
    model_id: str, session: SessionDep, scope: Annotated[Scope, allowed("tracking.runs.list")]
) -> list[ModelRunOutput]:
    return [wire.run(r) for r in service.model_runs(session, scope.project, model_id)]


@route(router, "POST", "/id/{model_id}/runs", status_code=201)
def create_run(
    model_id: str,
    session: SessionDep,
    scope: Annotated[Scope, allowed("tracking.runs.create")],
    body: Annotated[ModelRunInput | None, Body()] = None,
) -> ModelRunOutput:
    data = wire.run_create(body or ModelRunInput())
    return wire.run(service.create_run(session, scope.project, model_id, data))


@route(router, "GET", "/id/{model_id}/datasets")
def model_datasets(
    model_id: str,
    session: SessionDep,
    scope: Annotated[Scope, allowed("tracking.datasets.list")],
) -> list[DatasetOutput]:
    return [wire.dataset(d) for d in service.model_datasets(session, scope.project, model_id)]


@route(router, "POST", "/id/{model_id}/datasets", status_code=201)
def create_dataset(
    model_id: str,
    body: Annotated[ModelDatasetInput, Body()],
    session: SessionDep,
    scope: Annotated[Scope, allowed("tracking.datasets.create")],
) -> DatasetOutput:
    data = wire.dataset_create(body)
    return wire.dataset(service.create_dataset(session, scope.project, model_id, data))
