"""``GET /permissions``: the permissions custom roles can be made of."""

from __future__ import annotations

from typing import Annotated

from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import account
from modelyard.api.ubiops.protocol import access as wire
from modelyard.core.identity.access import service
from modelyard.core.identity.schemas import Principal

router = Router()


@router.get("/permissions")
def permissions_list(
    _: Annotated[Principal, account("permissions.list")],
) -> list[wire.PermissionList]:
    return [wire.PermissionList(name=name) for name in service.list_permissions()]
