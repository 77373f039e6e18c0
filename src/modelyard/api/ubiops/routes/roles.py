"""``/projects/{project}/roles``: the default roles and a project's custom roles."""

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

router = Router(prefix="/projects/{project_name}/roles")


@router.post("", status_code=201)
def roles_create(
    body: wire.RoleCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("roles.create")],
) -> wire.RoleDetailList:
    created = service.create_role(session, project, translate.role_create(body))
    return translate.role_detail(created)


@router.get("")
def roles_list(
    session: SessionDep, project: Annotated[ProjectRef, allowed("roles.list")]
) -> list[wire.RoleList]:
    return [translate.role(r) for r in service.list_roles(session, project)]


@router.get("/{role_name}")
def roles_get(
    role_name: str, session: SessionDep, project: Annotated[ProjectRef, allowed("roles.get")]
) -> wire.RoleDetailList:
    return translate.role_detail(service.get_role(session, project, role_name))


@router.patch("/{role_name}")
def roles_update(
    role_name: str,
    body: wire.RoleUpdate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("roles.update")],
) -> wire.RoleDetailList:
    updated = service.update_role(session, project, role_name, translate.role_update(body))
    return translate.role_detail(updated)


@router.delete("/{role_name}", status_code=204)
def roles_delete(
    role_name: str, session: SessionDep, project: Annotated[ProjectRef, allowed("roles.delete")]
) -> Response:
    service.delete_role(session, project, role_name)
    return no_content()
