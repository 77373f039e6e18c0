"""Login, logout, whoami, and applications (``/admin/application``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response
from fastapi.responses import JSONResponse

from modelyard.api.deps import SessionDep
from modelyard.api.leia.auth import PrincipalDep, allowed
from modelyard.api.leia.protocol.bodies import ApplicationBody, LoginBody
from modelyard.api.leia.routes._shared import Limit, Offset
from modelyard.api.leia.translate.lists import listed
from modelyard.api.openapi import answers
from modelyard.api.permissions import Scope
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.core.documents import rules
from modelyard.core.documents.schemas import Page
from modelyard.core.identity import applications
from modelyard.core.identity.applications import ApplicationCreate, ApplicationRead, LoginRead

router = Router()
Admin = Annotated[Scope, allowed("applications.create")]
Reader = Annotated[Scope, allowed("applications.list")]


@router.get("/login/{api_key}", responses=answers(401))
def login_get(session: SessionDep, api_key: str) -> LoginRead:
    return applications.login(session, api_key)


@router.post("/login", responses=answers(401))
def login_post(session: SessionDep, body: LoginBody) -> LoginRead:
    return applications.login(session, body.api_key)


@router.get("/logout")
def logout(
    session: SessionDep, principal: PrincipalDep, token: Annotated[str, Header()]
) -> JSONResponse:
    applications.logout(session, token)
    return JSONResponse(None)


@router.get("/whoami")
def whoami(session: SessionDep, principal: PrincipalDep) -> ApplicationRead:
    return applications.whoami(session, principal)


@router.post("/admin/application")
def create_application(session: SessionDep, scope: Admin, body: ApplicationBody) -> ApplicationRead:
    return applications.create(session, scope.project, ApplicationCreate(**body.model_dump()))


@router.get("/admin/application")
def list_applications(
    session: SessionDep,
    scope: Reader,
    offset: Offset = 0,
    limit: Limit = None,
) -> JSONResponse:
    found = applications.listing(session, scope.project)
    return listed(Page(items=rules.page(found, offset, limit), offset=offset, total=len(found)))


@router.get("/admin/application/{application_id}")
def get_application(session: SessionDep, scope: Reader, application_id: str) -> ApplicationRead:
    return applications.get(session, scope.project, application_id)


@router.delete("/admin/application/{application_id}", status_code=204)
def delete_application(
    session: SessionDep,
    scope: Annotated[Scope, allowed("applications.delete")],
    application_id: str,
) -> Response:
    applications.delete(session, scope.project, application_id)
    return no_content()


@router.post("/admin/application/{application_id}/reset_api_key")
def reset_api_key(
    session: SessionDep,
    scope: Annotated[Scope, allowed("applications.update")],
    application_id: str,
) -> ApplicationRead:
    return applications.reset_api_key(session, scope.project, application_id)
