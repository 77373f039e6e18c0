"""Translation of users, organizations and projects."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import identity as wire
from modelyard.core.identity.schemas import (
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    ProjectRead,
    SignIn,
    TokenIssued,
    UserCreate,
    UserRead,
    UserUpdate,
)


def sign_in(body: wire.AuthorizeCreate, address: str | None) -> SignIn:
    """``address`` is the client's, as the server saw it (behind a proxy: the proxy's, unless
    uvicorn is told to trust its forwarded headers)."""
    return SignIn(email=body.email, password=body.password, address=address or "")


def access(issued: TokenIssued) -> wire.AuthorizeDetail:
    return wire.AuthorizeDetail(access=issued.token)


def user_create(body: wire.UserPendingCreate) -> UserCreate:
    return UserCreate.model_validate(body, from_attributes=True)


def user_update(body: wire.UserUpdate) -> UserUpdate:
    return UserUpdate.model_validate(body.model_dump(exclude_unset=True))


def user_pending(user: UserRead) -> wire.UserPendingDetail:
    return wire.UserPendingDetail.model_validate(user, from_attributes=True)


def user_detail(user: UserRead) -> wire.UserDetail:
    return wire.UserDetail.model_validate(user, from_attributes=True)


def organization_create(body: wire.OrganizationCreate) -> OrganizationCreate:
    return OrganizationCreate.model_validate(body.model_dump())


def organization_update(body: wire.OrganizationUpdate) -> OrganizationUpdate:
    return OrganizationUpdate.model_validate(body.model_dump(exclude_unset=True))


def organization_list(organization: OrganizationRead) -> wire.OrganizationList:
    return wire.OrganizationList.model_validate(organization, from_attributes=True)


def organization_detail(organization: OrganizationRead) -> wire.OrganizationDetail:
    return wire.OrganizationDetail.model_validate(organization, from_attributes=True)


def project(project: ProjectRead) -> wire.ProjectList:
    return wire.ProjectList.model_validate(project, from_attributes=True)
