"""``/models``: create, list, get and delete tabular models; train, predict and impute."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Response
from fastapi.responses import JSONResponse

from modelyard.api.alchemite import protocol as wire
from modelyard.api.alchemite import translate
from modelyard.api.alchemite.auth import allowed
from modelyard.api.deps import SessionDep, StoreDep
from modelyard.api.kept import kept
from modelyard.api.permissions import Scope
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.core.tabular import service, training

router = Router(prefix="/models")


@router.post("", status_code=201)
def models_post(
    body: wire.ModelIn,
    session: SessionDep,
    scope: Annotated[Scope, allowed("tabular_models.create")],
) -> JSONResponse:
    created = service.create_model(session, scope.project, translate.model_create(body))
    return JSONResponse(str(created.id), status_code=201)


@router.get("")
@kept
def models_get(
    session: SessionDep, scope: Annotated[Scope, allowed("tabular_models.list")]
) -> list[dict[str, Any]]:
    return [translate.model(m) for m in service.list_models(session, scope.project)]


@router.get("/{id}")
@kept
def models_id_get(
    id: str, session: SessionDep, scope: Annotated[Scope, allowed("tabular_models.get")]
) -> dict[str, Any]:
    return translate.model(service.get_model(session, scope.project, id))


@router.delete("/{id}", status_code=204)
def models_id_delete(
    id: str,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("tabular_models.delete")],
) -> Response:
    service.delete_model(session, store, scope.project, id)
    return no_content()


@router.put("/{id}/train")
def models_id_train_put(
    id: str,
    session: SessionDep,
    scope: Annotated[Scope, allowed("tabular_models.train")],
    body: Annotated[wire.TrainIn | None, Body()] = None,
) -> Response:
    service.train(session, scope.project, id)
    return Response(status_code=200, media_type="application/json")


@router.put("/{id}/predict")
def models_id_predict_put(
    id: str,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("tabular_models.predict")],
    body: Annotated[wire.RowsIn | None, Body()] = None,
) -> Response:
    rows = translate.rows(body)
    answer = training.predict(session, store, scope.project, id, rows)
    return Response(answer, media_type="text/csv")


@router.put("/{id}/impute")
def models_id_impute_put(
    id: str,
    session: SessionDep,
    store: StoreDep,
    scope: Annotated[Scope, allowed("tabular_models.predict")],
    body: Annotated[wire.RowsIn | None, Body()] = None,
) -> Response:
    rows = translate.rows(body)
    answer = training.impute(session, store, scope.project, id, rows)
    return Response(answer, media_type="text/csv")
