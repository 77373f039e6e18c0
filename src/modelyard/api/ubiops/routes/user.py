"""``/user``: the user making the request, and signing up new users."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from modelyard.api.deps import SessionDep, SettingsDep
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import account, optional_account
from modelyard.api.ubiops.protocol import identity as wire
from modelyard.api.ubiops.translate import identity as translate
from modelyard.core.identity import service
from modelyard.core.identity.schemas import Principal

router = Router()


@router.post("/user", status_code=201)
def user_create(
    body: wire.UserPendingCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal | None, optional_account("user.create")],
) -> wire.UserPendingDetail:
    service.authorize_signup(principal, open_signup=settings.open_signup)
    service.require_terms(body.terms_conditions)
    return translate.user_pending(service.create_user(session, translate.user_create(body)))


@router.get("/user")
def user_get(
    session: SessionDep, principal: Annotated[Principal, account("user.get")]
) -> wire.UserDetail:
    return translate.user_detail(service.get_user(session, principal))


@router.patch("/user")
def user_update(
    body: wire.UserUpdate,
    session: SessionDep,
    principal: Annotated[Principal, account("user.update")],
) -> wire.UserDetail:
    user = service.update_user(session, principal, translate.user_update(body))
    return translate.user_detail(user)


@router.delete("/user", status_code=204)
def user_delete(
    session: SessionDep, principal: Annotated[Principal, account("user.delete")]
) -> Response:
    service.delete_user(session, principal)
    return no_content()
