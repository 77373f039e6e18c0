"""Wire models of organization members."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import Wire


class OrganizationUserCreate(Wire):
    email: str
    admin: bool = False


class OrganizationUserUpdate(Wire):
    admin: bool = False


class OrganizationUserDetail(Wire):
    id: str
    email: str
    name: str | None
    surname: str | None
    admin: bool
