"""Schemas of access control: roles, role assignments, service users."""

from __future__ import annotations

import uuid
from datetime import datetime

from modelyard.core.identity.schemas import Schema


class RoleCreate(Schema):
    name: str
    permissions: list[str]


class RoleUpdate(Schema):
    """Only the fields set change; ``permissions`` replaces the whole list."""

    name: str | None = None
    permissions: list[str] | None = None


class RoleRead(Schema):
    id: uuid.UUID
    name: str
    default: bool
    permissions: list[str]


class RoleAssignmentCreate(Schema):
    user_id: str
    role: str
    object_name: str | None = None
    object_type: str | None = None


class RoleAssignmentRead(Schema):
    id: uuid.UUID
    user_id: uuid.UUID
    role: str
    object_name: str
    object_type: str


class ServiceUserCreate(Schema):
    name: str | None = None


class ServiceUserRead(Schema):
    id: uuid.UUID
    email: str
    name: str | None
    creation_date: datetime


class ServiceUserIssued(ServiceUserRead):
    """A service user right after creation: the only time its token is known."""

    token: str
