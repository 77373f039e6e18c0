"""The home project: where a principal acts through the dialects that name no project in the
path (Alchemite, Leia, Lightly, the registry).

A service user's home is its own project. A user's home is remembered on the user
(``users.default_project_id``): the first administrator's is the ``default`` project; any other
user's is chosen on first use, the first project the user can see, or, for a user in no
organization yet, a personal organization and project created then. It is a project like any
other, visible in UbiOps, so what a dialect stores shows up in the same logs, audit and usage.
"""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy.orm import Session

from modelyard.core.identity import repository as repo
from modelyard.core.identity.access.service import require
from modelyard.core.identity.errors import bad_token
from modelyard.core.identity.schemas import (
    OrganizationCreate,
    Principal,
    ProjectCreate,
    ProjectRef,
)
from modelyard.core.identity.service import create_organization, create_project
from modelyard.db.lookups import Lookups, lookups_of
from modelyard.db.tables import ProjectRow, UserRow

PERSONAL_SUBSCRIPTION = "enterprise"
"""Self-hosted: a personal organization is not limited like the vendor's free tier."""


def home_project(session: Session, principal: Principal) -> ProjectRef:
    """The project ``principal`` acts in when the path names none."""
    if principal.service_project_id is not None:
        project = session.get(ProjectRow, principal.service_project_id)
        if project is None:
            raise bad_token()
        return ProjectRef.model_validate(project)
    user = repo.get_user(session, principal.user_id)
    if user is None:
        raise bad_token()
    remembered = _remembered(session, user)
    if remembered is not None:
        return ProjectRef.model_validate(remembered)
    visible = repo.list_projects_of(session, user.id)
    project = visible[0][0] if visible else _personal_project(session, user)
    user.default_project_id = project.id
    session.flush()
    return ProjectRef.model_validate(project)


def require_home(session: Session, principal: Principal, permission: str) -> ProjectRef:
    """The home project, once the principal holds ``permission`` there (else 403); a granted
    check is kept in the server's cached lookups until identity or access changes."""
    lookups = lookups_of(session)
    if (found := known_home(lookups, principal, permission)) is not None:
        return found
    stamp = lookups.stamp() if lookups is not None else 0
    project = home_project(session, principal)
    granted = require(session, principal, project.name, permission)
    if lookups is not None:
        lookups.put(_key(principal, permission), granted, stamp)
    return granted


def known_home(lookups: Lookups | None, principal: Principal, permission: str) -> ProjectRef | None:
    """``require_home`` from the cached lookups alone, or None: then it decides."""
    if lookups is None:
        return None
    return cast(ProjectRef | None, lookups.get(_key(principal, permission)))


def _key(principal: Principal, permission: str) -> tuple[object, ...]:
    return ("home", principal.user_id, principal.service_project_id, permission)


def set_home(session: Session, user_id: uuid.UUID, project_id: uuid.UUID) -> None:
    user = repo.get_user(session, user_id)
    if user is not None:
        user.default_project_id = project_id
        session.flush()


def _remembered(session: Session, user: UserRow) -> ProjectRow | None:
    """The remembered home, while the user is still a member of its organization."""
    if user.default_project_id is None:
        return None
    project = session.get(ProjectRow, user.default_project_id)
    if project is None:
        return None
    member = repo.get_membership(session, project.organization_id, user.id)
    return project if member is not None else None


def _personal_project(session: Session, user: UserRow) -> ProjectRow:
    """A personal organization and project for a user in no organization, named after the
    user's id (names are global; an email could collide or leak)."""
    name = f"home-{user.id.hex[:12]}"
    principal = Principal(user_id=user.id, email=user.email, is_admin=user.is_admin)
    if repo.get_organization_by_name(session, name) is None:
        create_organization(
            session,
            principal,
            OrganizationCreate(
                name=name, subscription=PERSONAL_SUBSCRIPTION, subscription_agreed=True
            ),
        )
    organization = name
    if repo.get_project_by_name(session, name) is not None:
        name = f"{name}-{uuid.uuid4().hex[:6]}"
    create_project(session, principal, ProjectCreate(name=name, organization_name=organization))
    found = repo.get_project_by_name(session, name)
    if found is None:  # created just above, in this transaction
        raise RuntimeError(f"personal project {name} vanished")
    return found[0]
