"""Translation of permissions, roles, role assignments and service users."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import access as wire
from modelyard.core.identity.access.schemas import (
    RoleAssignmentCreate,
    RoleAssignmentRead,
    RoleCreate,
    RoleRead,
    RoleUpdate,
    ServiceUserCreate,
    ServiceUserIssued,
    ServiceUserRead,
)


def role_create(body: wire.RoleCreate) -> RoleCreate:
    return RoleCreate.model_validate(body, from_attributes=True)


def role_update(body: wire.RoleUpdate) -> RoleUpdate:
    return RoleUpdate.model_validate(body.model_dump(exclude_unset=True))


def role(found: RoleRead) -> wire.RoleList:
    return wire.RoleList.model_validate(found, from_attributes=True)


def role_detail(found: RoleRead) -> wire.RoleDetailList:
    return wire.RoleDetailList.model_validate(found, from_attributes=True)


def assignment_create(body: wire.RoleAssignmentCreate) -> RoleAssignmentCreate:
    return RoleAssignmentCreate.model_validate(body.model_dump())


def assignment(found: RoleAssignmentRead) -> wire.RoleAssignmentList:
    return wire.RoleAssignmentList.model_validate(found, from_attributes=True)


def service_user_create(body: wire.ServiceUserCreate | None) -> ServiceUserCreate:
    if body is None:
        return ServiceUserCreate()
    return ServiceUserCreate.model_validate(body.model_dump(exclude_unset=True))


def service_user(found: ServiceUserRead) -> wire.ServiceUserList:
    return wire.ServiceUserList.model_validate(found, from_attributes=True)


def service_user_issued(found: ServiceUserIssued) -> wire.ServiceUserDetail:
    return wire.ServiceUserDetail.model_validate(found, from_attributes=True)
