"""Who may do what in a project: the permission check, roles and role assignments.

The rules, decided here once for every dialect:

- A project is visible to the members of its organization and to its own service users;
  to anyone else it does not exist (404). A visible project refuses a missing permission
  with 403.
- Organization admins hold ``project-admin`` in every project of their organization.
- Other members hold ``project-viewer`` (they may read) plus the roles assigned to them.
- The creator of a project is assigned ``project-admin`` in it.
- A service user holds exactly the roles assigned to it in its project, nothing implicit.
- A role assigned on an object (a model, pipeline, connector or credentials) covers that
  object's permissions on routes naming that object only.

The rule table is ``rules``; ``repository.access_clauses`` states these rules once, as SQL, for
this check and for the direct request's one statement (``core/serving/hotpath.py``).

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy.orm import Session

from modelyard.core.identity import repository as identity_repo
from modelyard.core.identity import rules as identity_rules
from modelyard.core.identity.access import repository as repo
from modelyard.core.identity.access import rules
from modelyard.core.identity.access.errors import (
    account_denied,
    assignment_exists,
    assignment_not_found,
    default_role,
    invalid,
    role_not_found,
    role_taken,
    user_not_found,
)
from modelyard.core.identity.access.schemas import (
    RoleAssignmentCreate,
    RoleAssignmentRead,
    RoleCreate,
    RoleRead,
    RoleUpdate,
)
from modelyard.core.identity.errors import project_not_found
from modelyard.core.identity.schemas import Principal, ProjectRef
from modelyard.db.lookups import Lookups, lookups_of
from modelyard.db.tables import ProjectRow, RoleAssignmentRow, RoleRow
from modelyard.errors import PermissionDenied

# -- the check ------------------------------------------------------------------------------


def _check(
    session: Session,
    principal: Principal,
    project_name: str,
    permission: str,
    target: tuple[str, str] | None,
) -> ProjectRow:
    found = repo.project_access(
        session, principal.user_id, project_name, permission=permission, target=target
    )
    return rules.decide(project_name, permission, found)


def require(
    session: Session,
    principal: Principal,
    project_name: str,
    permission: str,
    *,
    target: tuple[str, str] | None = None,
) -> ProjectRef:
    """The project, once the principal may see it (else 404) and holds ``permission`` there
    (else 403); ``target`` is the object the route acts on, for roles assigned on objects.
    A granted check is kept in the server's cached lookups until access changes."""
    lookups = lookups_of(session)
    if (found := known(lookups, principal, project_name, permission, target=target)) is not None:
        return found
    stamp = lookups.stamp() if lookups is not None else 0
    key = _key(principal, project_name, permission, target)
    row = _check(session, principal, project_name, permission, target)
    project = ProjectRef.model_validate(row)
    if lookups is not None:
        lookups.put(key, project, stamp)
    return project


def known(
    lookups: Lookups | None,
    principal: Principal,
    project_name: str,
    permission: str,
    *,
    target: tuple[str, str] | None = None,
) -> ProjectRef | None:
    """``require`` answered from this server's cached lookups alone (a check granted since
    nothing changed), or None: then ``require`` decides."""
    if lookups is None:
        return None
    return cast(ProjectRef | None, lookups.get(_key(principal, project_name, permission, target)))


def _key(
    principal: Principal, project_name: str, permission: str, target: tuple[str, str] | None
) -> tuple[object, ...]:
    return ("access", principal.user_id, project_name, permission, target)


def holds(session: Session, principal: Principal, project_name: str, permission: str) -> bool:
    """Whether the principal holds ``permission`` in the project (404 when it may not see it)."""
    try:
        _check(session, principal, project_name, permission, None)
    except PermissionDenied:
        return False
    return True


def require_account(principal: Principal, permission: str) -> Principal:
    """Routes outside a project: users decide through the organization rules; service users
    hold only the few account permissions that concern their own project."""
    if principal.service_project_id is not None and permission not in rules.SERVICE_USER_ACCOUNT:
        raise account_denied(permission)
    return principal


def list_permissions() -> list[str]:
    """The permissions custom roles can be made of."""
    return list(rules.PROJECT_PERMISSIONS)


# -- roles ----------------------------------------------------------------------------------


def _builtin(name: str) -> RoleRead:
    held = rules.BUILTIN_ROLES[name]
    return RoleRead(
        id=rules.builtin_role_id(name),
        name=name,
        default=True,
        permissions=[p for p in rules.PROJECT_PERMISSIONS if p in held],
    )


def _custom(session: Session, row: RoleRow) -> RoleRead:
    return RoleRead(
        id=row.id, name=row.name, default=False, permissions=repo.role_permissions(session, row.id)
    )


def _custom_role(session: Session, project: ProjectRef, name: str) -> RoleRow:
    if name in rules.BUILTIN_ROLES:
        raise default_role(name)
    row = repo.get_role(session, project.id, name)
    if row is None:
        raise role_not_found(name)
    return row


def list_roles(session: Session, project: ProjectRef) -> list[RoleRead]:
    """The default roles first, then the project's own."""
    custom = [_custom(session, row) for row in repo.list_roles(session, project.id)]
    return [_builtin(name) for name in rules.BUILTIN_ROLES] + custom


def get_role(session: Session, project: ProjectRef, name: str) -> RoleRead:
    if name in rules.BUILTIN_ROLES:
        return _builtin(name)
    row = repo.get_role(session, project.id, name)
    if row is None:
        raise role_not_found(name)
    return _custom(session, row)


def _check_new_name(session: Session, project: ProjectRef, name: str) -> str:
    identity_rules.check_name(name)
    if name in rules.BUILTIN_ROLES or repo.get_role(session, project.id, name) is not None:
        raise role_taken(name)
    return name


def create_role(session: Session, project: ProjectRef, data: RoleCreate) -> RoleRead:
    """A custom role of this project, made of known permissions."""
    name = _check_new_name(session, project, data.name)
    permissions = rules.check_permissions(data.permissions)
    row = RoleRow(project_id=project.id, name=name)
    identity_repo.add(session, row, conflict=role_taken(name))
    repo.set_role_permissions(session, row.id, permissions)
    return _custom(session, row)


def update_role(session: Session, project: ProjectRef, name: str, data: RoleUpdate) -> RoleRead:
    """Rename a custom role or replace its permissions; default roles stay as they are."""
    row = _custom_role(session, project, name)
    permissions = None
    if data.permissions is not None:
        permissions = rules.check_permissions(data.permissions)
    if data.name is not None and data.name != row.name:
        row.name = _check_new_name(session, project, data.name)
        identity_repo.flush(session, conflict=role_taken(row.name))
    if permissions is not None:
        repo.set_role_permissions(session, row.id, permissions)
    return _custom(session, row)


def delete_role(session: Session, project: ProjectRef, name: str) -> None:
    """Delete a custom role; its assignments go with it."""
    session.delete(_custom_role(session, project, name))
    session.flush()


# -- role assignments -----------------------------------------------------------------------


def _assignment_read(
    project: ProjectRef, row: RoleAssignmentRow, custom_name: str | None
) -> RoleAssignmentRead:
    """Project-level assignments name the project as it is called now (it may be renamed)."""
    on_project = row.object_type == rules.PROJECT_OBJECT
    return RoleAssignmentRead(
        id=row.id,
        user_id=row.user_id,
        role=row.builtin_role or custom_name or "",
        object_name=project.name if on_project else row.object_name,
        object_type=row.object_type,
    )


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise invalid(field, f"'{value}' is not a valid UUID") from exc


def _object(session: Session, project: ProjectRow, data: RoleAssignmentCreate) -> tuple[str, str]:
    if (data.object_type is None) != (data.object_name is None):
        raise invalid("object_type", "object_name and object_type must be given together")
    if data.object_type is None or data.object_name is None:
        return rules.PROJECT_OBJECT, project.name
    if data.object_type == rules.PROJECT_OBJECT:
        if data.object_name != project.name:
            raise invalid("object_name", f"must be this project's name '{project.name}'")
        return rules.PROJECT_OBJECT, project.name
    if data.object_type not in rules.OBJECT_TYPES:
        kinds = ", ".join([rules.PROJECT_OBJECT, *rules.OBJECT_TYPES])
        raise invalid("object_type", f"must be one of {kinds}")
    if not repo.object_exists(session, project.id, data.object_type, data.object_name):
        raise invalid("object_name", f"no {data.object_type} '{data.object_name}' in this project")
    return data.object_type, data.object_name


def _project_row(session: Session, project: ProjectRef) -> ProjectRow:
    row = session.get(ProjectRow, project.id)
    if row is None:
        raise project_not_found(project.name)
    return row


def create_assignment(
    session: Session, project: ProjectRef, data: RoleAssignmentCreate
) -> RoleAssignmentRead:
    """Give a member of the organization, or a service user of this project, a role."""
    row = _project_row(session, project)
    user_id = _uuid(data.user_id, "user_id")
    if not repo.may_hold_roles(session, row, user_id):
        raise user_not_found(data.user_id)
    builtin = data.role if data.role in rules.BUILTIN_ROLES else None
    custom = None if builtin else repo.get_role(session, project.id, data.role)
    if builtin is None and custom is None:
        raise invalid("role", f"no role '{data.role}' in this project")
    object_type, object_name = _object(session, row, data)
    assignment = RoleAssignmentRow(
        project_id=project.id,
        user_id=user_id,
        builtin_role=builtin,
        role_id=custom.id if custom else None,
        object_type=object_type,
        object_name=object_name,
    )
    if repo.same_assignment_exists(session, assignment):
        raise assignment_exists(data.role)
    session.add(assignment)
    session.flush()
    return _assignment_read(project, assignment, custom.name if custom else None)


def _find(
    session: Session, project: ProjectRef, value: str
) -> tuple[RoleAssignmentRow, str | None]:
    try:
        assignment_id = uuid.UUID(value)
    except ValueError as exc:
        raise assignment_not_found(value) from exc
    found = repo.get_assignment(session, project.id, assignment_id)
    if found is None:
        raise assignment_not_found(value)
    return found


def get_assignment(session: Session, project: ProjectRef, value: str) -> RoleAssignmentRead:
    return _assignment_read(project, *_find(session, project, value))


def delete_assignment(session: Session, project: ProjectRef, value: str) -> None:
    session.delete(_find(session, project, value)[0])
    session.flush()


def list_assignments(
    session: Session, project: ProjectRef, user_id: str
) -> list[RoleAssignmentRead]:
    """The roles a user holds in the project (an unknown user simply holds none)."""
    found = repo.list_assignments(session, project.id, _uuid(user_id, "user_id"))
    return [_assignment_read(project, row, name) for row, name in found]


def assign_creator(session: Session, project_id: uuid.UUID, user_id: uuid.UUID, name: str) -> None:
    """The creator of a project is its admin (``project-admin`` on the project)."""
    session.add(
        RoleAssignmentRow(
            project_id=project_id,
            user_id=user_id,
            builtin_role=rules.ADMIN,
            object_type=rules.PROJECT_OBJECT,
            object_name=name,
        )
    )
    session.flush()
