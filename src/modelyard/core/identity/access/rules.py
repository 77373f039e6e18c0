"""The permission vocabulary and the built-in roles: pure data and rules, no I/O.

Permission names follow the seed (``models.list``, ``models.get``, ``models.delete``): the
resource path in the plural, dotted, then the verb. Every UbiOps route names one of these
(``PROJECT_PERMISSIONS`` for routes in a project, ``ACCOUNT_PERMISSIONS`` for the rest); a
module that adds routes adds its permissions here, and the built-in roles pick them up.

This is the one rule table of access control: which roles hold which permission
(``BUILTIN_ROLES``), what belonging to an organization grants (``STANDING_ROLES``), which object
an assignment may be on (``OBJECT_TYPES``) and how a check ends (``decide``). The ordinary check
and the direct request's one statement both read it through ``repository.access_clauses``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TypeVar

from modelyard.core.identity.access.errors import denied, invalid
from modelyard.core.identity.errors import project_not_found

T = TypeVar("T")

CRUD = ("create", "list", "get", "update", "delete")
READ_VERBS = ("list", "get", "download")


def _crud(resource: str, verbs: tuple[str, ...] = CRUD) -> tuple[str, ...]:
    return tuple(f"{resource}.{verb}" for verb in verbs)


PROJECT_PERMISSIONS: tuple[str, ...] = (
    *_crud("projects", ("get", "update", "delete")),
    "projects.usage.get",
    "projects.resources.get",
    *_crud("environment_variables"),
    *_crud("blobs", ("create", "list", "get", "delete")),
    *_crud("models"),
    *_crud("models.environment_variables"),
    *_crud("models.versions"),
    "models.versions.file.upload",
    "models.versions.file.download",
    *_crud("models.versions.requests", ("create", "list", "get", "delete")),
    *_crud("credentials"),
    *_crud("connectors"),
    *_crud("pipelines"),
    *_crud("pipelines.objects"),
    *_crud("pipelines.attachments", ("create", "list", "get", "delete")),
    *_crud("pipelines.requests", ("create", "list", "get", "delete")),
    *_crud("schedules"),
    *_crud("roles"),
    *_crud("role_assignments", ("create", "list", "get", "delete")),
    *_crud("service_users"),
    "service_users.token.update",
    "logs.list",
    "metrics.get",
    "audit_events.list",
    # tabular datasets and the models trained on them (Alchemite, /v0)
    *_crud("datasets"),
    "datasets.download",
    *_crud("tabular_models"),
    "tabular_models.train",
    "tabular_models.predict",
    # applications, documents, document models and their jobs (Leia, /leia/1.0.0)
    *_crud("applications"),
    *_crud("documents"),
    *_crud("document_models"),
    "document_models.download",
    "document_models.apply",
    "document_models.train",
    "document_models.administer",
    *_crud("jobs"),
    # tracking: registered models, experiments, runs, record datasets, records (registry)
    *_crud("tracking.models"),
    *_crud("tracking.experiments"),
    *_crud("tracking.runs"),
    *_crud("tracking.datasets"),
    *_crud("tracking.records", ("create", "list", "get", "update", "delete", "download")),
    # datasources of datasets (Lightly, /v1)
    *_crud("datasources"),
    "datasources.verify",
    *_crud("sample_datasets", ("create", "list", "get", "delete")),
)
"""Permissions checked in one project; what custom roles are made of (``GET /permissions``)."""

ACCOUNT_PERMISSIONS: tuple[str, ...] = (
    "user.create",
    "user.get",
    "user.update",
    "user.delete",
    "organizations.create",
    "organizations.list",
    "organizations.get",
    "organizations.update",
    "organizations.delete",
    "organizations.users.create",
    "organizations.users.list",
    "organizations.users.get",
    "organizations.users.update",
    "organizations.users.delete",
    "organizations.subscriptions.create",
    "organizations.subscriptions.list",
    "organizations.subscriptions.get",
    "organizations.subscriptions.update",
    "organizations.subscriptions.delete",
    "organizations.usage.get",
    "organizations.resources.get",
    "projects.create",
    "projects.list",
    "permissions.list",
    "connectors.types.list",
)
"""Permissions outside a project: what the organization services decide (membership, admin).

Service users hold only ``SERVICE_USER_ACCOUNT`` of them; everything else is a user's own.
"""

SERVICE_USER_ACCOUNT = frozenset(
    {"user.get", "projects.list", "permissions.list", "connectors.types.list"}
)

ADMIN, EDITOR, VIEWER = "project-admin", "project-editor", "project-viewer"

_ADMIN_ONLY = frozenset(
    {
        "projects.update",
        "projects.delete",
        *_crud("roles", ("create", "update", "delete")),
        *_crud("role_assignments", ("create", "delete")),
        *_crud("service_users", ("create", "update", "delete")),
        "service_users.token.update",
    }
)


def _is_read(permission: str) -> bool:
    return permission.rsplit(".", 1)[-1] in READ_VERBS


BUILTIN_ROLES: dict[str, frozenset[str]] = {
    ADMIN: frozenset(PROJECT_PERMISSIONS),
    EDITOR: frozenset(p for p in PROJECT_PERMISSIONS if p not in _ADMIN_ONLY),
    VIEWER: frozenset(p for p in PROJECT_PERMISSIONS if _is_read(p)),
}
"""The default roles every project has; they cannot be changed or deleted."""

ORGANIZATION_MEMBER, ORGANIZATION_ADMIN = "organization member", "organization admin"

STANDING_ROLES: dict[str, str] = {ORGANIZATION_MEMBER: VIEWER, ORGANIZATION_ADMIN: ADMIN}
"""What a user holds in every project of an organization by belonging to it, before any
assignment (an organization admin is a member too). A service user belongs to no organization:
it sees its own project only and holds exactly the roles assigned to it there."""

OBJECT_TYPES: dict[str, tuple[str, str]] = {
    "model": ("models.", "model_name"),
    "pipeline": ("pipelines.", "pipeline_name"),
    "connector": ("connectors.", "connector_name"),
    "credentials": ("credentials.", "credentials_name"),
}
"""Objects a role can be assigned on: the permissions it then covers and the path parameter
that names the object in a route."""

PROJECT_OBJECT = "project"


def builtin_role_id(name: str) -> uuid.UUID:
    """A stable id for a built-in role, the same in every project and on every server."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"modelyard:role:{name}")


def is_known(permission: str) -> bool:
    return permission in PROJECT_PERMISSIONS or permission in ACCOUNT_PERMISSIONS


def roles_with(permission: str) -> tuple[str, ...]:
    """The built-in roles that hold ``permission``."""
    return tuple(name for name, held in BUILTIN_ROLES.items() if permission in held)


def check_permissions(values: list[str]) -> list[str]:
    """A custom role's permissions: known project permissions, each once, in the given order."""
    unknown = [value for value in values if value not in PROJECT_PERMISSIONS]
    if unknown:
        raise invalid(
            "permissions",
            f"unknown permission(s) {', '.join(repr(v) for v in unknown)}; "
            "GET /permissions lists the available ones",
        )
    return list(dict.fromkeys(values))


def standings_with(permission: str) -> tuple[str, ...]:
    """The standings in an organization (``STANDING_ROLES``) that hold ``permission``."""
    return tuple(s for s, role in STANDING_ROLES.items() if permission in BUILTIN_ROLES[role])


def object_of(permission: str, path_params: Mapping[str, T]) -> tuple[str, T] | None:
    """The object a route acts on, when a role assigned on that object may cover it: a role
    assigned on the project covers every route, one on an object only the routes naming it."""
    for object_type, (prefix, param) in OBJECT_TYPES.items():
        if permission.startswith(prefix) and param in path_params:
            return object_type, path_params[param]
    return None


def decide(project_name: str, permission: str, found: tuple[T, bool, bool] | None) -> T:
    """The outcome of a check, from ``(project, visible, allowed)`` or None for no project:
    404 for a project the principal may not see, 403 when it may see it but lacks
    ``permission``, else the project."""
    if found is None or not found[1]:
        raise project_not_found(project_name)
    if not found[2]:
        raise denied(permission, project_name)
    return found[0]
