"""Schemas of the identity domain: what services take (``*Create``, ``*Update``) and give back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """Base: built from ORM rows by attribute, frozen once read."""

    model_config = ConfigDict(from_attributes=True)


@dataclass(frozen=True)
class Principal:
    """Who is asking: resolved from a token by every dialect alike."""

    user_id: uuid.UUID
    email: str
    is_admin: bool
    token_id: uuid.UUID | None = None
    service_project_id: uuid.UUID | None = None
    """Set for a service user: the one project it lives in."""
    expires_at: datetime | None = field(default=None, compare=False)
    """When the credential it was resolved from stops being accepted (None: when revoked)."""


class UserCreate(Schema):
    email: str
    password: str | None = None
    name: str | None = None
    surname: str | None = None
    is_admin: bool = False


class UserUpdate(Schema):
    email: str | None = None
    password: str | None = None
    previous_password: str | None = None
    name: str | None = None
    surname: str | None = None


@dataclass(frozen=True)
class SignIn:
    """An email and password sent to sign in, and the client address they came from."""

    email: str
    password: str
    address: str


class UserRead(Schema):
    id: uuid.UUID
    email: str
    name: str | None
    surname: str | None
    is_admin: bool
    registration_date: datetime


class OrganizationCreate(Schema):
    name: str
    subscription: str
    subscription_agreed: bool
    subscription_end_date: date | None = None


class OrganizationUpdate(Schema):
    """Only the fields set are changed; ``subscription_end_date=None`` set clears it."""

    name: str | None = None
    subscription: str | None = None
    subscription_agreed: bool | None = None
    subscription_end_date: date | None = None


class OrganizationRead(Schema):
    id: uuid.UUID
    name: str
    subscription: str
    subscription_end_date: date | None
    status: str
    creation_date: datetime


class ProjectCreate(Schema):
    name: str
    organization_name: str


class ProjectUpdate(Schema):
    name: str


class ProjectRead(Schema):
    id: uuid.UUID
    name: str
    organization_name: str
    creation_date: datetime


class ProjectRef(Schema):
    """The project a request acts in, as other domains see it."""

    id: uuid.UUID
    name: str
    organization_id: uuid.UUID


class TokenRead(Schema):
    id: uuid.UUID
    user_email: str
    prefix: str
    description: str | None
    created_at: datetime
    revoked_at: datetime | None


class TokenIssued(Schema):
    """A token right after creation: the only time its secret is known."""

    id: uuid.UUID
    user_email: str
    token: str


# -- organization members, subscriptions and resource usage ---------------------------------


class MemberCreate(Schema):
    email: str
    admin: bool = False


class MemberUpdate(Schema):
    admin: bool


class MemberRead(Schema):
    id: uuid.UUID
    email: str
    name: str | None
    surname: str | None
    admin: bool


class SubscriptionCreate(Schema):
    """A subscription's limits; ``None`` means unlimited."""

    name: str
    max_projects: int | None = None
    max_users: int | None = None
    max_versions: int | None = None
    max_requests_per_month: int | None = None
    logs_retention_days: int
    gb_seconds: int | None = None
    resources: int | None = None
    agreement: str | None = None
    terms_conditions: str | None = None
    hidden: bool = False


class SubscriptionUpdate(Schema):
    """Only the fields set are changed; a limit set to ``None`` becomes unlimited."""

    name: str | None = None
    max_projects: int | None = None
    max_users: int | None = None
    max_versions: int | None = None
    max_requests_per_month: int | None = None
    logs_retention_days: int | None = None
    gb_seconds: int | None = None
    resources: int | None = None
    agreement: str | None = None
    terms_conditions: str | None = None
    hidden: bool | None = None


class SubscriptionRead(Schema):
    id: uuid.UUID
    name: str
    max_projects: int | None
    max_users: int | None
    max_versions: int | None
    max_requests_per_month: int | None
    logs_retention_days: int
    gb_seconds: int | None
    resources: int | None
    agreement: str | None
    terms_conditions: str | None
    hidden: bool


class OrganizationSubscriptionRead(Schema):
    """One period of an organization's subscription history."""

    id: uuid.UUID
    subscription: str
    start_date: date
    agreement_user: str | None
    update_user: str | None


class ProjectResourceUsage(Schema):
    models: int
    versions: int
    connectors: int
    pipelines: int


class ResourceUsage(ProjectResourceUsage):
    projects: int
    users: int
