"""``/projects/{project}/role-assignments`` and ``…/users/{user_id}/role-assignments``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from modelyard.api.deps import SessionDep
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import allowed
from modelyard.api.ubiops.protocol import access as wire
from modelyard.api.ubiops.translate import access as translate
from modelyard.core.identity.access import service
from modelyard.core.identity.schemas import ProjectRef

router = Router(prefix="/projects/{project_name}")


@router.post("/role-assignments", status_code=201)
def role_assignments_create(
    body: wire.RoleAssignmentCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("role_assignments.create")],
) -> wire.RoleAssignmentList:
    data = translate.assignment_create(body)
    return translate.assignment(service.create_assignment(session, project, data))


@router.get("/role-assignments/{id}")
def role_assignments_get(
    id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("role_assignments.get")],
) -> wire.RoleAssignmentList:
    return translate.assignment(service.get_assignment(session, project, id))


@router.delete("/role-assignments/{id}", status_code=204)
def role_assignments_delete(
    id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("role_assignments.delete")],
) -> Response:
    service.delete_assignment(session, project, id)
    return no_content()


@router.get("/users/{user_id}/role-assignments")
def role_assignments_per_user_list(
    user_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("role_assignments.list")],
) -> list[wire.RoleAssignmentList]:
    found = service.list_assignments(session, project, user_id)
    return [translate.assignment(a) for a in found]
