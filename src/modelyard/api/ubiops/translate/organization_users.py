"""Translation of organization members."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import organization_users as wire
from modelyard.core.identity.schemas import MemberCreate, MemberRead, MemberUpdate


def member_create(body: wire.OrganizationUserCreate) -> MemberCreate:
    return MemberCreate(email=body.email, admin=body.admin)


def member_update(body: wire.OrganizationUserUpdate) -> MemberUpdate:
    return MemberUpdate(admin=body.admin)


def member(found: MemberRead) -> wire.OrganizationUserDetail:
    return wire.OrganizationUserDetail(
        id=str(found.id),
        email=found.email,
        name=found.name,
        surname=found.surname,
        admin=found.admin,
    )
