"""Wire models of organization members."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import Id, Wire


class OrganizationUserCreate(Wire):
    email: str
    admin: bool = False


class OrganizationUserUpdate(Wire):
    admin: bool = False


class OrganizationUserDetail(Wire):
    id: Id
    email: str
    name: str | None
    surname: str | None
    admin: bool
