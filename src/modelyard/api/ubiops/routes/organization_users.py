"""``/organizations/{organization_name}/users``: who belongs to an organization, and as what."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from modelyard.api.deps import SessionDep
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import account
from modelyard.api.ubiops.protocol import organization_users as wire
from modelyard.api.ubiops.translate import organization_users as translate
from modelyard.core.identity import organizations
from modelyard.core.identity.schemas import Principal

router = Router(prefix="/organizations/{organization_name}/users")


@router.post("", status_code=201)
def organization_users_create(
    organization_name: str,
    body: wire.OrganizationUserCreate,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.users.create")],
) -> wire.OrganizationUserDetail:
    data = translate.member_create(body)
    return translate.member(organizations.add_member(session, principal, organization_name, data))


@router.get("")
def organization_users_list(
    organization_name: str,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.users.list")],
) -> list[wire.OrganizationUserDetail]:
    members = organizations.list_members(session, principal, organization_name)
    return [translate.member(member) for member in members]


@router.get("/{user_id}")
def organization_users_get(
    organization_name: str,
    user_id: str,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.users.get")],
) -> wire.OrganizationUserDetail:
    member = organizations.get_member(session, principal, organization_name, user_id)
    return translate.member(member)


@router.patch("/{user_id}")
def organization_users_update(
    organization_name: str,
    user_id: str,
    body: wire.OrganizationUserUpdate,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.users.update")],
) -> wire.OrganizationUserDetail:
    data = translate.member_update(body)
    member = organizations.update_member(session, principal, organization_name, user_id, data)
    return translate.member(member)


@router.delete("/{user_id}", status_code=204)
def organization_users_delete(
    organization_name: str,
    user_id: str,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.users.delete")],
) -> Response:
    organizations.remove_member(session, principal, organization_name, user_id)
    return no_content()
