"""Authentication for the UbiOps dialect: ``Authorization: Token <t>`` (or a bare token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from modelyard.api.deps import ContextDep, SessionDep
from modelyard.core.identity import service
from modelyard.core.identity.rules import parse_authorization
from modelyard.core.identity.schemas import Principal, ProjectRef
from modelyard.db.engine import transaction


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


def get_project_briefly(
    project_name: str,
    context: ContextDep,
    authorization: Annotated[str | None, Header()] = None,
) -> ProjectRef:
    """The project, resolved in a transaction of its own that ends before the route runs.

    For routes that wait on user code: they must hold no database connection meanwhile.
    """
    with transaction(context.sessions) as session:
        principal = service.authenticate(session, parse_authorization(authorization))
        return service.project_scope(session, principal, project_name)


BriefProjectDep = Annotated[ProjectRef, Depends(get_project_briefly)]
