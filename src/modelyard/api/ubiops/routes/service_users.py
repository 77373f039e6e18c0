"""``/projects/{project}/service-users``: token-only users that live in one project."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from modelyard.api.deps import SessionDep
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import allowed
from modelyard.api.ubiops.protocol import access as wire
from modelyard.api.ubiops.translate import access as translate
from modelyard.core.identity.access import service_users
from modelyard.core.identity.schemas import ProjectRef

router = Router(prefix="/projects/{project_name}/service-users")


@router.post("", status_code=201)
def service_users_create(
    body: wire.ServiceUserCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("service_users.create")],
) -> wire.ServiceUserDetail:
    created = service_users.create(session, project, translate.service_user_create(body))
    return translate.service_user_issued(created)


@router.get("")
def service_users_list(
    session: SessionDep, project: Annotated[ProjectRef, allowed("service_users.list")]
) -> list[wire.ServiceUserList]:
    return [translate.service_user(u) for u in service_users.listing(session, project)]


@router.get("/{service_user_id}")
def service_users_get(
    service_user_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("service_users.get")],
) -> wire.ServiceUserList:
    return translate.service_user(service_users.get(session, project, service_user_id))


@router.patch("/{service_user_id}")
def service_users_update(
    service_user_id: str,
    body: wire.ServiceUserCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("service_users.update")],
) -> wire.ServiceUserList:
    data = translate.service_user_create(body)
    return translate.service_user(service_users.update(session, project, service_user_id, data))


@router.delete("/{service_user_id}", status_code=204)
def service_users_delete(
    service_user_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("service_users.delete")],
) -> Response:
    service_users.delete(session, project, service_user_id)
    return no_content()


@router.put("/{service_user_id}/token")
def service_users_token(
    service_user_id: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("service_users.token.update")],
) -> wire.ServiceUserTokenList:
    """The body is ``{}`` (the seed: no data); the old token stops working at once."""
    return wire.ServiceUserTokenList(
        token=service_users.reset_token(session, project, service_user_id)
    )
