"""Translation of organization members."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import organization_users as wire
from modelyard.core.identity.schemas import MemberCreate, MemberRead, MemberUpdate


def member_create(body: wire.OrganizationUserCreate) -> MemberCreate:
    return MemberCreate.model_validate(body, from_attributes=True)


def member_update(body: wire.OrganizationUserUpdate) -> MemberUpdate:
    return MemberUpdate.model_validate(body, from_attributes=True)


def member(found: MemberRead) -> wire.OrganizationUserDetail:
    return wire.OrganizationUserDetail.model_validate(found, from_attributes=True)
