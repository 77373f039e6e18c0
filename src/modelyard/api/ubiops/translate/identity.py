"""Translation of users, organizations and projects."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import identity as wire
from modelyard.api.ubiops.translate import timestamp
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
    return UserCreate(
        email=body.email, password=body.password, name=body.name, surname=body.surname
    )


def user_update(body: wire.UserUpdate) -> UserUpdate:
    return UserUpdate.model_validate(body.model_dump(exclude_unset=True))


def user_pending(user: UserRead) -> wire.UserPendingDetail:
    return wire.UserPendingDetail(email=user.email, name=user.name, surname=user.surname)


def user_detail(user: UserRead) -> wire.UserDetail:
    return wire.UserDetail(
        id=str(user.id),
        email=user.email,
        name=user.name,
        surname=user.surname,
        registration_date=timestamp(user.registration_date),
    )


def organization_create(body: wire.OrganizationCreate) -> OrganizationCreate:
    return OrganizationCreate.model_validate(body.model_dump())


def organization_update(body: wire.OrganizationUpdate) -> OrganizationUpdate:
    return OrganizationUpdate.model_validate(body.model_dump(exclude_unset=True))


def organization_list(organization: OrganizationRead) -> wire.OrganizationList:
    return wire.OrganizationList(
        id=str(organization.id),
        name=organization.name,
        creation_date=timestamp(organization.creation_date),
    )


def organization_detail(organization: OrganizationRead) -> wire.OrganizationDetail:
    return wire.OrganizationDetail(
        id=str(organization.id),
        name=organization.name,
        creation_date=timestamp(organization.creation_date),
        subscription=organization.subscription,
        subscription_end_date=organization.subscription_end_date,
        status=organization.status,
    )


def project(project: ProjectRead) -> wire.ProjectList:
    return wire.ProjectList(
        id=str(project.id),
        name=project.name,
        creation_date=timestamp(project.creation_date),
        organization_name=project.organization_name,
    )
