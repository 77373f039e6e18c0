"""Translation of permissions, roles, role assignments and service users."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import access as wire
from modelyard.api.ubiops.translate import timestamp
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
    return RoleCreate(name=body.name, permissions=body.permissions)


def role_update(body: wire.RoleUpdate) -> RoleUpdate:
    return RoleUpdate.model_validate(body.model_dump(exclude_unset=True))


def role(found: RoleRead) -> wire.RoleList:
    return wire.RoleList(id=str(found.id), name=found.name, default=found.default)


def role_detail(found: RoleRead) -> wire.RoleDetailList:
    return wire.RoleDetailList(
        id=str(found.id), name=found.name, default=found.default, permissions=found.permissions
    )


def assignment_create(body: wire.RoleAssignmentCreate) -> RoleAssignmentCreate:
    return RoleAssignmentCreate.model_validate(body.model_dump())


def assignment(found: RoleAssignmentRead) -> wire.RoleAssignmentList:
    return wire.RoleAssignmentList(
        id=str(found.id),
        user_id=str(found.user_id),
        role=found.role,
        object_name=found.object_name,
        object_type=found.object_type,
    )


def service_user_create(body: wire.ServiceUserCreate | None) -> ServiceUserCreate:
    if body is None:
        return ServiceUserCreate()
    return ServiceUserCreate.model_validate(body.model_dump(exclude_unset=True))


def service_user(found: ServiceUserRead) -> wire.ServiceUserList:
    return wire.ServiceUserList(
        id=str(found.id),
        email=found.email,
        name=found.name,
        creation_date=timestamp(found.creation_date),
    )


def service_user_issued(found: ServiceUserIssued) -> wire.ServiceUserDetail:
    return wire.ServiceUserDetail(**service_user(found).model_dump(), token=found.token)
