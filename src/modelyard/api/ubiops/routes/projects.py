"""``/projects``: create, list, get, rename and delete projects."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Response

from modelyard.api.deps import ContextDep, SessionDep
from modelyard.api.responses import no_content
from modelyard.api.ubiops.auth import PrincipalDep
from modelyard.api.ubiops.protocol import identity as wire
from modelyard.api.ubiops.translate import identity as translate
from modelyard.core.identity import service
from modelyard.core.identity.schemas import ProjectCreate, ProjectUpdate
from modelyard.core.serving import service as serving

router = APIRouter()


@router.post("/projects", status_code=201)
def projects_create(
    body: wire.ProjectCreate, session: SessionDep, principal: PrincipalDep
) -> wire.ProjectList:
    data = ProjectCreate(name=body.name, organization_name=body.organization_name)
    return translate.project(service.create_project(session, principal, data))


@router.get("/projects")
def projects_list(session: SessionDep, principal: PrincipalDep) -> list[wire.ProjectList]:
    return [translate.project(p) for p in service.list_projects(session, principal)]


@router.get("/projects/{project_name}")
def projects_get(
    project_name: str, session: SessionDep, principal: PrincipalDep
) -> wire.ProjectList:
    return translate.project(service.get_project(session, principal, project_name))


@router.patch("/projects/{project_name}")
def projects_update(
    project_name: str, body: wire.ProjectUpdate, session: SessionDep, principal: PrincipalDep
) -> wire.ProjectList:
    data = ProjectUpdate(name=body.name)
    return translate.project(service.update_project(session, principal, project_name, data))


@router.delete("/projects/{project_name}", status_code=204)
def projects_delete(
    project_name: str,
    session: SessionDep,
    principal: PrincipalDep,
    context: ContextDep,
    after: BackgroundTasks,
) -> Response:
    project = service.project_scope(session, principal, project_name, admin=True)
    retired = serving.versions_in_project(session, project)
    service.delete_project(session, principal, project_name)
    after.add_task(context.serving.retire, retired)
    return no_content()
