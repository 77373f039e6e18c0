"""``/projects/{project}/models``: create, list, get, update and delete models."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from modelyard.api.deps import SessionDep
from modelyard.api.kept import kept
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import allowed
from modelyard.api.ubiops.protocol import models as wire
from modelyard.api.ubiops.translate import models as translate
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.serving import service

router = Router(prefix="/projects/{project_name}/models")


@router.post("", status_code=201)
def models_create(
    body: wire.ModelCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.create")],
) -> wire.ModelList:
    return translate.model(service.create_model(session, project, translate.model_create(body)))


@router.get("")
@kept
def models_list(
    session: SessionDep, project: Annotated[ProjectRef, allowed("models.list")]
) -> list[wire.ModelList]:
    return [translate.model(m) for m in service.list_models(session, project)]


@router.get("/{model_name}")
@kept
def models_get(
    model_name: str, session: SessionDep, project: Annotated[ProjectRef, allowed("models.get")]
) -> wire.ModelList:
    return translate.model(service.get_model(session, project, model_name))


@router.patch("/{model_name}")
def models_update(
    model_name: str,
    body: wire.ModelUpdate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.update")],
) -> wire.ModelList:
    data = translate.model_update(body)
    return translate.model(service.update_model(session, project, model_name, data))


@router.delete("/{model_name}", status_code=204)
def models_delete(
    model_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.delete")],
) -> Response:
    service.delete_model(session, project, model_name)
    return no_content()
