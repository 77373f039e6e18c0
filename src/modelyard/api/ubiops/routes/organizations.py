"""``/organizations``: create, list, get and update organizations."""

from __future__ import annotations

from typing import Annotated

from modelyard.api.deps import SessionDep
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import account
from modelyard.api.ubiops.protocol import identity as wire
from modelyard.api.ubiops.translate import identity as translate
from modelyard.core.identity import service
from modelyard.core.identity.schemas import Principal

router = Router()


@router.post("/organizations", status_code=201)
def organizations_create(
    body: wire.OrganizationCreate,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.create")],
) -> wire.OrganizationList:
    data = translate.organization_create(body)
    return translate.organization_list(service.create_organization(session, principal, data))


@router.get("/organizations")
def organizations_list(
    session: SessionDep, principal: Annotated[Principal, account("organizations.list")]
) -> list[wire.OrganizationList]:
    return [translate.organization_list(o) for o in service.list_organizations(session, principal)]


@router.get("/organizations/{organization_name}")
def organizations_get(
    organization_name: str,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.get")],
) -> wire.OrganizationDetail:
    organization = service.get_organization(session, principal, organization_name)
    return translate.organization_detail(organization)


@router.patch("/organizations/{organization_name}")
def organizations_update(
    organization_name: str,
    body: wire.OrganizationUpdate,
    session: SessionDep,
    principal: Annotated[Principal, account("organizations.update")],
) -> wire.OrganizationDetail:
    data = translate.organization_update(body)
    organization = service.update_organization(session, principal, organization_name, data)
    return translate.organization_detail(organization)
