"""Authentication for the UbiOps dialect: ``Authorization: Token <t>`` (or a bare token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from modelyard.api.deps import SessionDep
from modelyard.core.identity import service
from modelyard.core.identity.rules import parse_authorization
from modelyard.core.identity.schemas import Principal, ProjectRef


def get_principal(
    session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    return service.authenticate(session, parse_authorization(authorization))


def get_optional_principal(
    session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Principal | None:
    token = parse_authorization(authorization)
    return service.authenticate(session, token) if token else None


PrincipalDep = Annotated[Principal, Depends(get_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]


def get_project(project_name: str, session: SessionDep, principal: PrincipalDep) -> ProjectRef:
    """The project named in the path, if the principal may see it (404 otherwise)."""
    return service.project_scope(session, principal, project_name)


ProjectDep = Annotated[ProjectRef, Depends(get_project)]
