"""Wire models of permissions, roles, role assignments and service users."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import Id, Timestamp, Wire


class PermissionList(Wire):
    name: str


class RoleCreate(Wire):
    name: str
    permissions: list[str]


class RoleUpdate(Wire):
    name: str | None = None
    permissions: list[str] | None = None


class RoleList(Wire):
    id: Id
    name: str
    default: bool


class RoleDetailList(RoleList):
    permissions: list[str]


class RoleAssignmentCreate(Wire):
    user_id: str
    role: str
    object_name: str | None = None
    object_type: str | None = None


class RoleAssignmentList(Wire):
    id: Id
    user_id: Id
    role: str
    object_name: str
    object_type: str


class ServiceUserCreate(Wire):
    name: str | None = None


class ServiceUserList(Wire):
    id: Id
    email: str
    name: str | None
    creation_date: Timestamp


class ServiceUserDetail(ServiceUserList):
    token: str


class ServiceUserTokenList(Wire):
    token: str
