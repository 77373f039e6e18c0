"""The direct request's way in: token, project, model and version resolved in one query.

A direct request is the one call whose speed users feel, so instead of the several ORM round
trips of the general services it reads everything it needs in a single statement: who asks,
whether they may see the project and make requests there (the rules of ``core/identity/access``,
put into the statement by ``access_clauses``, so the two checks cannot drift), the model's fields,
the version's state, its built environment, and a fingerprint of everything that shapes its
instances (so the deployed spec is reused while nothing changed, and rebuilt the moment
something did).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from sqlalchemy import BindParameter, Connection, and_, bindparam, func, or_, select

from modelyard.core.identity.access import rules as access
from modelyard.core.identity.access.repository import access_clauses
from modelyard.core.identity.errors import bad_token
from modelyard.core.identity.rules import hash_token
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.serving.errors import model_not_found, not_available, version_not_found
from modelyard.core.serving.requests import fields_of
from modelyard.core.serving.schemas import FieldSpec
from modelyard.db.lookups import Lookups
from modelyard.db.tables import (
    ApiTokenRow,
    BuildRow,
    EnvironmentVariableRow,
    ModelRow,
    ModelVersionRow,
    ProjectRow,
    UserRow,
)
from modelyard.db.types import utcnow

REQUEST = "models.versions.requests.create"
"""The permission a direct request needs; its route declares none, the check is here."""
PATH_PARAMS: dict[str, BindParameter[str]] = {
    "model_name": bindparam("model"),
    "version": bindparam("version"),
}
"""The route's path parameters as the statement has them: what a role on an object may cover."""


@dataclass(frozen=True)
class Target:
    """What a direct request needs to know before it runs."""

    user_id: uuid.UUID
    project_id: uuid.UUID
    project_name: str
    organization_id: uuid.UUID
    model_name: str
    input_type: str
    output_type: str
    inputs: tuple[FieldSpec, ...]
    """The model's input fields, checked once per resolve rather than per request."""
    outputs: tuple[FieldSpec, ...]
    """Its output fields, checked likewise."""
    version_id: uuid.UUID
    fingerprint: tuple[Any, ...]

    @cached_property
    def blob_inputs(self) -> bool:
        return any(spec.data_type == "blob" for spec in self.inputs)

    @cached_property
    def scope(self) -> ProjectRef:
        """The project the request acts in, made once per target rather than per request."""
        return ProjectRef(
            id=self.project_id, name=self.project_name, organization_id=self.organization_id
        )


def _env_stats(model: type[ModelRow], version: type[ModelVersionRow]) -> tuple[Any, Any]:
    env = EnvironmentVariableRow
    visible = and_(
        env.project_id == model.project_id,
        or_(env.model_id.is_(None), env.model_id == model.id),
        or_(env.version_id.is_(None), env.version_id == version.id),
    )
    count = select(func.count()).where(visible).scalar_subquery()
    newest = select(func.max(env.last_updated)).where(visible).scalar_subquery()
    return count, newest


def _environment_key() -> Any:
    return (
        select(BuildRow.environment_key)
        .where(
            BuildRow.version_id == ModelVersionRow.id,
            BuildRow.revision == ModelVersionRow.revision,
            BuildRow.status == "succeeded",
        )
        .order_by(BuildRow.finished_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def _statement() -> Any:
    """Built once; the values come as bind parameters, so SQLAlchemy caches its compiled form."""
    env_count, env_newest = _env_stats(ModelRow, ModelVersionRow)
    visible, allowed = access_clauses(
        UserRow.id, REQUEST, target=access.object_of(REQUEST, PATH_PARAMS)
    )
    return (
        select(
            UserRow.id,
            ProjectRow.id,
            ProjectRow.organization_id,
            ModelRow.name,
            ModelRow.input_type,
            ModelRow.output_type,
            ModelRow.input_fields,
            ModelRow.output_fields,
            ModelRow.last_updated,
            ModelVersionRow.id,
            ModelVersionRow.version,
            ModelVersionRow.status,
            ModelVersionRow.revision,
            ModelVersionRow.last_updated,
            _environment_key(),
            env_count,
            env_newest,
            visible,
            allowed,
            ApiTokenRow.expires_at,
        )
        .select_from(ApiTokenRow)
        .join(UserRow, UserRow.id == ApiTokenRow.user_id)
        .outerjoin(ProjectRow, ProjectRow.name == bindparam("project"))
        .outerjoin(
            ModelRow,
            and_(ModelRow.project_id == ProjectRow.id, ModelRow.name == bindparam("model")),
        )
        .outerjoin(
            ModelVersionRow,
            and_(
                ModelVersionRow.model_id == ModelRow.id,
                ModelVersionRow.version == bindparam("version"),
            ),
        )
        .where(
            ApiTokenRow.token_hash == bindparam("token_hash"),
            ApiTokenRow.revoked_at.is_(None),
            or_(ApiTokenRow.expires_at.is_(None), ApiTokenRow.expires_at > bindparam("now")),
        )
        .limit(1)
    )


RESOLVE = _statement()


def _key(token: str, project: str, model: str, version: str) -> tuple[str, ...]:
    return ("target", hash_token(token), project, model, version)


def known(
    lookups: Lookups | None, token: str | None, *, project: str, model: str, version: str
) -> Target | None:
    """The target this server resolved for the same token and path, if nothing it rests on
    has changed since (``db/lookups``) and the token has not expired: no query at all."""
    if lookups is None or not token:
        return None
    found = lookups.get(_key(token, project, model, version))
    if found is None:
        return None
    target, expires_at = found
    if expires_at is not None and expires_at <= utcnow():
        return None
    return cast(Target, target)


def resolve(
    connection: Connection,
    token: str | None,
    *,
    project: str,
    model: str,
    version: str,
    lookups: Lookups | None = None,
) -> Target:
    """Who asks for which version; the same errors, in the same order, as the services give.
    A target found is kept in ``lookups`` for ``known``."""
    if not token:
        raise bad_token()
    stamp = lookups.stamp() if lookups is not None else 0
    values = {
        "token_hash": hash_token(token),
        "now": utcnow(),
        "project": project,
        "model": model,
        "version": version,
    }
    row = connection.execute(RESOLVE, values).first()
    if row is None:
        raise bad_token()
    (user_id, project_id, organization_id, model_name, input_type, output_type) = row[:6]
    access.decide(project, REQUEST, (project_id, bool(row[17]), bool(row[18])))
    if model_name is None:
        raise model_not_found(model)
    version_id, version_name, status, revision = row[9:13]
    if version_id is None:
        raise version_not_found(model, version)
    if status != "available" or row[14] is None:
        raise not_available(model_name, version_name, status)
    target = Target(
        user_id=user_id,
        project_id=project_id,
        project_name=project,
        organization_id=organization_id,
        model_name=model_name,
        input_type=input_type,
        output_type=output_type,
        version_id=version_id,
        fingerprint=(row[8], revision, row[13], row[14], row[15], row[16]),
        inputs=fields_of(row[6]),
        outputs=fields_of(row[7]),
    )
    if lookups is not None:
        lookups.put(_key(token, project, model, version), (target, row[19]), stamp)
    return target


def _pinned_statement() -> Any:
    """The same facts for a request pinned to a version by id (queued work has no token)."""
    env_count, env_newest = _env_stats(ModelRow, ModelVersionRow)
    return (
        select(
            ProjectRow.id,
            ProjectRow.name,
            ProjectRow.organization_id,
            ModelRow.name,
            ModelRow.input_type,
            ModelRow.output_type,
            ModelRow.input_fields,
            ModelRow.output_fields,
            ModelRow.last_updated,
            ModelVersionRow.version,
            ModelVersionRow.status,
            ModelVersionRow.revision,
            ModelVersionRow.last_updated,
            _environment_key(),
            env_count,
            env_newest,
        )
        .select_from(ModelVersionRow)
        .join(ModelRow, ModelRow.id == ModelVersionRow.model_id)
        .join(ProjectRow, ProjectRow.id == ModelRow.project_id)
        .where(ModelVersionRow.id == bindparam("version_id"))
    )


PINNED = _pinned_statement()


@dataclass(frozen=True)
class Pinned:
    """A version found by id, with its state: queued work decides itself what that means."""

    target: Target
    version: str
    status: str
    built: bool


def pinned(
    connection: Connection, version_id: uuid.UUID, *, lookups: Lookups | None = None
) -> Pinned | None:
    """The version ``version_id`` and what running a request on it needs; None if it is gone.
    Kept in ``lookups`` (see ``known_pinned``) while found."""
    stamp = lookups.stamp() if lookups is not None else 0
    row = connection.execute(PINNED, {"version_id": version_id}).first()
    if row is None:
        return None
    found = _pinned(version_id, row)
    if lookups is not None:
        lookups.put(("pinned", version_id), found, stamp)
    return found


def known_pinned(lookups: Lookups | None, version_id: uuid.UUID) -> Pinned | None:
    """``pinned`` from this server's cached lookups alone (a batch queue drained with no query
    per request), or None: then ``pinned`` reads it."""
    if lookups is None:
        return None
    return cast(Pinned | None, lookups.get(("pinned", version_id)))


def _pinned(version_id: uuid.UUID, row: Any) -> Pinned:
    target = Target(
        user_id=uuid.UUID(int=0),
        project_id=row[0],
        project_name=row[1],
        organization_id=row[2],
        model_name=row[3],
        input_type=row[4],
        output_type=row[5],
        version_id=version_id,
        fingerprint=(row[8], row[11], row[12], row[13], row[14], row[15]),
        inputs=fields_of(row[6]),
        outputs=fields_of(row[7]),
    )
    return Pinned(target=target, version=row[9], status=row[10], built=row[13] is not None)
