"""Wire models of users, organizations and projects."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from modelyard.api.ubiops.protocol import Id, Timestamp, Wire


class Status(Wire):
    status: str


class AuthorizeCreate(Wire):
    """The sign-in the ubiops-cli posts; bounded so a hostile body costs one scrypt at most."""

    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class AuthorizeDetail(Wire):
    access: str


class UserPendingCreate(Wire):
    email: str
    password: str
    terms_conditions: bool
    name: str | None = None
    surname: str | None = None


class UserPendingDetail(Wire):
    email: str
    name: str | None
    surname: str | None


class UserUpdate(Wire):
    email: str | None = None
    password: str | None = None
    previous_password: str | None = None
    name: str | None = None
    surname: str | None = None


class UserDetail(Wire):
    id: Id
    email: str
    name: str | None
    surname: str | None
    registration_date: Timestamp


class OrganizationCreate(Wire):
    name: str
    subscription: str
    subscription_agreed: bool
    subscription_end_date: date | None = None


class OrganizationUpdate(Wire):
    name: str | None = None
    subscription: str | None = None
    subscription_agreed: bool | None = None
    subscription_end_date: date | None = None


class OrganizationList(Wire):
    id: Id
    name: str
    creation_date: Timestamp


class OrganizationDetail(OrganizationList):
    subscription: str
    subscription_end_date: date | None
    status: str


class ProjectCreate(Wire):
    name: str
    organization_name: str


class ProjectUpdate(Wire):
    name: str


class ProjectList(Wire):
    id: Id
    name: str
    creation_date: Timestamp
    organization_name: str
