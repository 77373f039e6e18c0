"""``…/environment-variables`` of projects, models and model versions (15 endpoints).

A change is committed with the request and reaches instances on their next request; the builder
is woken because a changed ``ML_MODEL_FILE_NAME`` queues rebuilds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from modelyard.api.deps import BoxDep, SessionDep
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import allowed
from modelyard.api.ubiops.protocol import environment as wire
from modelyard.api.ubiops.translate import environment as translate
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.serving import environment
from modelyard.core.serving.environment import VariableScope

router = Router(prefix="/projects/{project_name}")

PROJECT = "/environment-variables"
MODEL = "/models/{model_name}/environment-variables"
VERSION = "/models/{model_name}/versions/{version}/environment-variables"

# -- project --------------------------------------------------------------------------------


@router.post(PROJECT, status_code=201)
def project_environment_variables_create(
    body: wire.EnvironmentVariableCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("environment_variables.create")],
    box: BoxDep,
) -> wire.EnvironmentVariableList:
    data = translate.variable_create(body)
    created = environment.create_variable(session, box, VariableScope(project), data)
    return translate.variable(created)


@router.get(PROJECT)
def project_environment_variables_list(
    session: SessionDep, project: Annotated[ProjectRef, allowed("environment_variables.list")]
) -> list[wire.EnvironmentVariableList]:
    listed = environment.list_variables(session, VariableScope(project))
    return [translate.variable(v) for v in listed]


@router.get(PROJECT + "/{variable_id}")
def project_environment_variables_get(
    variable_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("environment_variables.get")],
) -> wire.EnvironmentVariableList:
    return translate.variable(
        environment.get_variable(session, VariableScope(project), variable_id)
    )


@router.patch(PROJECT + "/{variable_id}")
def project_environment_variables_update(
    variable_id: str,
    body: wire.EnvironmentVariableUpdate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("environment_variables.update")],
    box: BoxDep,
) -> wire.EnvironmentVariableList:
    data = translate.variable_update(body)
    scope = VariableScope(project)
    updated = environment.update_variable(session, box, scope, variable_id, data)
    return translate.variable(updated)


@router.delete(PROJECT + "/{variable_id}", status_code=204)
def project_environment_variables_delete(
    variable_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("environment_variables.delete")],
    box: BoxDep,
) -> Response:
    environment.delete_variable(session, box, VariableScope(project), variable_id)
    return no_content()


# -- model ----------------------------------------------------------------------------------


@router.post(MODEL, status_code=201)
def model_environment_variables_create(
    model_name: str,
    body: wire.EnvironmentVariableCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.environment_variables.create")],
    box: BoxDep,
) -> wire.EnvironmentVariableList:
    data = translate.variable_create(body)
    scope = VariableScope(project, model_name)
    created = environment.create_variable(session, box, scope, data)
    return translate.variable(created)


@router.get(MODEL)
def model_environment_variables_list(
    model_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.environment_variables.list")],
) -> list[wire.InheritedEnvironmentVariableList]:
    listed = environment.list_variables(session, VariableScope(project, model_name))
    return [translate.inherited(v, listed="model") for v in listed]


@router.get(MODEL + "/{variable_id}")
def model_environment_variables_get(
    model_name: str,
    variable_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.environment_variables.get")],
) -> wire.EnvironmentVariableList:
    scope = VariableScope(project, model_name)
    return translate.variable(environment.get_variable(session, scope, variable_id))


@router.patch(MODEL + "/{variable_id}")
def model_environment_variables_update(
    model_name: str,
    variable_id: str,
    body: wire.EnvironmentVariableUpdate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.environment_variables.update")],
    box: BoxDep,
) -> wire.EnvironmentVariableList:
    data = translate.variable_update(body)
    scope = VariableScope(project, model_name)
    updated = environment.update_variable(session, box, scope, variable_id, data)
    return translate.variable(updated)


@router.delete(MODEL + "/{variable_id}", status_code=204)
def model_environment_variables_delete(
    model_name: str,
    variable_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.environment_variables.delete")],
    box: BoxDep,
) -> Response:
    scope = VariableScope(project, model_name)
    environment.delete_variable(session, box, scope, variable_id)
    return no_content()


# -- model version --------------------------------------------------------------------------


@router.post(VERSION, status_code=201)
def model_version_environment_variables_create(
    model_name: str,
    version: str,
    body: wire.EnvironmentVariableCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.environment_variables.create")],
    box: BoxDep,
) -> wire.EnvironmentVariableList:
    data = translate.variable_create(body)
    scope = VariableScope(project, model_name, version)
    created = environment.create_variable(session, box, scope, data)
    return translate.variable(created)


@router.get(VERSION)
def model_version_environment_variables_list(
    model_name: str,
    version: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.environment_variables.list")],
) -> list[wire.InheritedEnvironmentVariableList]:
    listed = environment.list_variables(session, VariableScope(project, model_name, version))
    return [translate.inherited(v, listed="version") for v in listed]


@router.get(VERSION + "/{variable_id}")
def model_version_environment_variables_get(
    model_name: str,
    version: str,
    variable_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.environment_variables.get")],
) -> wire.EnvironmentVariableList:
    scope = VariableScope(project, model_name, version)
    return translate.variable(environment.get_variable(session, scope, variable_id))


@router.patch(VERSION + "/{variable_id}")
def model_version_environment_variables_update(
    model_name: str,
    version: str,
    variable_id: str,
    body: wire.EnvironmentVariableUpdate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.environment_variables.update")],
    box: BoxDep,
) -> wire.EnvironmentVariableList:
    data = translate.variable_update(body)
    scope = VariableScope(project, model_name, version)
    updated = environment.update_variable(session, box, scope, variable_id, data)
    return translate.variable(updated)


@router.delete(VERSION + "/{variable_id}", status_code=204)
def model_version_environment_variables_delete(
    model_name: str,
    version: str,
    variable_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("models.environment_variables.delete")],
    box: BoxDep,
) -> Response:
    scope = VariableScope(project, model_name, version)
    environment.delete_variable(session, box, scope, variable_id)
    return no_content()
