"""``/projects``: create, list, get, rename and delete projects."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from modelyard.api.deps import SessionDep
from modelyard.api.openapi import answers
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import PrincipalDep, account, allowed
from modelyard.api.ubiops.protocol import identity as wire
from modelyard.api.ubiops.translate import identity as translate
from modelyard.core.identity import service
from modelyard.core.identity.schemas import Principal, ProjectCreate, ProjectRef, ProjectUpdate
from modelyard.core.serving import service as serving

router = Router()


@router.post("/projects", status_code=201, responses=answers(404))  # an organization not yours
def projects_create(
    body: wire.ProjectCreate,
    session: SessionDep,
    principal: Annotated[Principal, account("projects.create")],
) -> wire.ProjectList:
    data = ProjectCreate(name=body.name, organization_name=body.organization_name)
    return translate.project(service.create_project(session, principal, data))


@router.get("/projects")
def projects_list(
    session: SessionDep, principal: Annotated[Principal, account("projects.list")]
) -> list[wire.ProjectList]:
    return [translate.project(p) for p in service.list_projects(session, principal)]


@router.get("/projects/{project_name}")
def projects_get(
    project_name: str,
    session: SessionDep,
    principal: PrincipalDep,
    _: Annotated[ProjectRef, allowed("projects.get")],
) -> wire.ProjectList:
    return translate.project(service.get_project(session, principal, project_name))


@router.patch("/projects/{project_name}")
def projects_update(
    project_name: str,
    body: wire.ProjectUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    _: Annotated[ProjectRef, allowed("projects.update")],
) -> wire.ProjectList:
    data = ProjectUpdate(name=body.name)
    return translate.project(service.update_project(session, principal, project_name, data))


@router.delete("/projects/{project_name}", status_code=204)
def projects_delete(
    project_name: str,
    session: SessionDep,
    principal: PrincipalDep,
    _: Annotated[ProjectRef, allowed("projects.delete")],
) -> Response:
    project = service.project_scope(session, principal, project_name, admin=True)
    serving.retire_project(session, project)
    service.delete_project(session, principal, project_name)
    return no_content()
