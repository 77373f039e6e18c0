"""Environment variables of a project, a model or one version, and what an instance sees.

A version sees the variables of its project, its model and its own, the nearer one winning a
name (version over model over project). Secret values are sealed with the server's
``SecretBox`` before they are stored and never leave the core again except to the instance:
every read schema carries ``value=None`` for them.

How a change reaches running instances: the deployer computes a version's ``InstanceSpec`` (its
environment, the ``context`` and the model file) from the database on every request and
redeploys when it differs from the deployed one, so the next request after a commit runs with
the new set. ``ML_MODEL_FILE_NAME`` names the file the build unpacks and import-checks, so when
its effective value changes for a version with a package, that version is rebuilt (status
``building``; cheap, the environment is reused) rather than failing on its next request.

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from modelyard.core.identity import service as identity
from modelyard.core.identity.repository import add, flush
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.secrets import SecretBox
from modelyard.core.serving import effects
from modelyard.core.serving import environment_repository as repo
from modelyard.core.serving.lookup import get_model_row, get_version_rows
from modelyard.core.serving.schemas import Schema
from modelyard.db.tables import EnvironmentVariableRow, ModelRow, ModelVersionRow
from modelyard.db.types import utcnow
from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.runtime import PackageError
from modelyard.runtime.package import check_model_file_name

Level = Literal["project", "model", "version"]
MODEL_FILE_VARIABLE = "ML_MODEL_FILE_NAME"
DEFAULT_MODEL_FILE = "model.py"
NAME_MAX = 64
VALUE_MAX = 65536
RESERVED_PREFIX = "MODELYARD_"
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# -- schemas --------------------------------------------------------------------------------


class VariableCreate(Schema):
    name: str
    value: str | None = None
    secret: bool = False


class VariableUpdate(Schema):
    """Only the fields given change; a secret's value is kept when none is sent."""

    name: str | None = None
    value: str | None = None
    secret: bool | None = None


class VariableRead(Schema):
    id: uuid.UUID
    name: str
    value: str | None
    """``None`` for secrets."""
    secret: bool


class InheritedVariable(VariableRead):
    """A variable as one model or version sees it, with where it is defined."""

    inheritance_type: Level
    inheritance_name: str


@dataclass(frozen=True)
class VariableScope:
    """Where variables are defined: a project, one of its models, or a version of that model."""

    project: ProjectRef
    model_name: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class _Owner:
    """A scope resolved to its rows."""

    project: ProjectRef
    model: ModelRow | None = None
    version: ModelVersionRow | None = None

    @property
    def scope_id(self) -> uuid.UUID:
        return (self.version or self.model or self.project).id

    def name_at(self, level: Level) -> str:
        if level == "version" and self.version is not None:
            return self.version.version
        if level == "model" and self.model is not None:
            return self.model.name
        return self.project.name

    def describe(self) -> str:
        if self.version is not None and self.model is not None:
            return f"version '{self.version.version}' of model '{self.model.name}'"
        if self.model is not None:
            return f"model '{self.model.name}'"
        return f"project '{self.project.name}'"


# -- rules ----------------------------------------------------------------------------------


def _invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)


def check_name(name: str) -> str:
    """A name a process environment and a shell accept: ``[A-Za-z_][A-Za-z0-9_]*``, ≤ 64."""
    if not name:
        raise _invalid("name", "may not be empty")
    if len(name) > NAME_MAX:
        raise _invalid("name", f"must be at most {NAME_MAX} characters long")
    if not NAME_PATTERN.fullmatch(name):
        raise _invalid(
            "name",
            "may only contain letters, digits and underscores, and may not start with a digit",
        )
    if name.upper().startswith(RESERVED_PREFIX):
        raise _invalid("name", f"names starting with {RESERVED_PREFIX} are reserved for modelyard")
    return name


def check_value(name: str, value: str) -> str:
    """At most 65536 characters, no NUL (no environment can hold one); a model file name for
    ``ML_MODEL_FILE_NAME``."""
    if len(value) > VALUE_MAX:
        raise _invalid("value", f"must be at most {VALUE_MAX} characters long")
    if "\x00" in value:
        raise _invalid("value", "may not contain NUL characters")
    if name == MODEL_FILE_VARIABLE:
        try:
            check_model_file_name(value)
        except PackageError as exc:
            raise _invalid("value", str(exc)) from exc
    return value


def model_file_of(environment: Mapping[str, str]) -> str:
    """The file holding ``class Model``: ``ML_MODEL_FILE_NAME`` if set, else ``model.py``."""
    return environment.get(MODEL_FILE_VARIABLE) or DEFAULT_MODEL_FILE


def _level_of(row: EnvironmentVariableRow) -> Level:
    if row.version_id is not None:
        return "version"
    return "model" if row.model_id is not None else "project"


_DEPTH: dict[Level, int] = {"project": 0, "model": 1, "version": 2}


def _effective(rows: Iterable[EnvironmentVariableRow]) -> dict[str, EnvironmentVariableRow]:
    """One row per name, the nearest scope winning, in name order."""
    chosen: dict[str, EnvironmentVariableRow] = {}
    for row in sorted(rows, key=lambda r: _DEPTH[_level_of(r)]):
        chosen[row.name] = row
    return dict(sorted(chosen.items()))


def _plain(box: SecretBox, row: EnvironmentVariableRow) -> str:
    if not row.secret:
        return row.value
    try:
        return box.open(row.value)
    except ValueError as exc:
        raise Conflict(
            f"Secret environment variable '{row.name}' cannot be decrypted with this server's "
            "secret key (was MODELYARD_SECRET_KEY changed?): set its value again",
            field="value",
        ) from exc


def _stored(box: SecretBox, value: str, *, secret: bool) -> str:
    return box.seal(value) if secret else value


def _read(row: EnvironmentVariableRow) -> VariableRead:
    return VariableRead(
        id=row.id, name=row.name, value=None if row.secret else row.value, secret=row.secret
    )


def _inherited(rows: Iterable[EnvironmentVariableRow], owner: _Owner) -> list[InheritedVariable]:
    listed = []
    for row in _effective(rows).values():
        level = _level_of(row)
        listed.append(
            InheritedVariable(
                **_read(row).model_dump(),
                inheritance_type=level,
                inheritance_name=owner.name_at(level),
            )
        )
    return listed


# -- scopes ---------------------------------------------------------------------------------


def _resolve(session: Session, scope: VariableScope) -> _Owner:
    """The rows of a scope named in a request (404 naming the model or version if missing)."""
    if scope.model_name is None:
        return _Owner(scope.project)
    if scope.version is None:
        return _Owner(scope.project, get_model_row(session, scope.project, scope.model_name))
    model, version = get_version_rows(session, scope.project, scope.model_name, scope.version)
    return _Owner(scope.project, model, version)


def _visible(session: Session, owner: _Owner) -> Sequence[EnvironmentVariableRow]:
    return repo.visible_from(
        session,
        owner.project.id,
        model_id=owner.model.id if owner.model else None,
        version_id=owner.version.id if owner.version else None,
    )


def _own_variable(session: Session, owner: _Owner, variable_id: str) -> EnvironmentVariableRow:
    """A variable defined on exactly this scope; inherited ones are not reachable here."""
    try:
        row = repo.get(session, uuid.UUID(variable_id))
    except ValueError:
        row = None
    if row is None or row.scope_id != owner.scope_id:
        raise NotFound(
            f"Environment variable '{variable_id}' was not found in {owner.describe()}",
            field="id",
        )
    return row


def _name_taken(name: str, owner: _Owner) -> Conflict:
    return Conflict(
        f"An environment variable named '{name}' already exists in {owner.describe()}",
        field="name",
    )


def _version_owner(session: Session, version_id: uuid.UUID) -> _Owner:
    version = session.get(ModelVersionRow, version_id)
    model = session.get(ModelRow, version.model_id) if version else None
    project = identity.project_ref(session, model.project_id) if model else None
    if version is None or model is None or project is None:
        raise NotFound(f"Version '{version_id}' was not found", field="version")
    return _Owner(project, model, version)


# -- what instances see ---------------------------------------------------------------------


def merged_environment(session: Session, box: SecretBox, version_id: uuid.UUID) -> dict[str, str]:
    """The plain variables an instance of this version runs with, secrets opened."""
    version = session.get(ModelVersionRow, version_id)
    model = session.get(ModelRow, version.model_id) if version else None
    if version is None or model is None:
        raise NotFound(f"Version '{version_id}' was not found", field="version")
    rows = repo.visible_from(session, model.project_id, model_id=model.id, version_id=version.id)
    return {name: _plain(box, row) for name, row in _effective(rows).items()}


def inherited_variables(
    session: Session, box: SecretBox, version_id: uuid.UUID
) -> list[InheritedVariable]:
    """The variables a version sees, each with the level (project, model, version) and the
    name of the object defining it; secrets without values. ``box`` is not needed for that and
    is taken so both public readers have one signature."""
    del box
    owner = _version_owner(session, version_id)
    return _inherited(_visible(session, owner), owner)


def model_file_name(session: Session, box: SecretBox, version_id: uuid.UUID) -> str:
    """The model file a version's package must hold and its instances load."""
    return model_file_of(merged_environment(session, box, version_id))


# -- services -------------------------------------------------------------------------------


def list_variables(session: Session, scope: VariableScope) -> list[InheritedVariable]:
    """The variables defined on a scope and those it inherits (a project inherits nothing)."""
    owner = _resolve(session, scope)
    return _inherited(_visible(session, owner), owner)


def get_variable(session: Session, scope: VariableScope, variable_id: str) -> VariableRead:
    owner = _resolve(session, scope)
    return _read(_own_variable(session, owner, variable_id))


def create_variable(
    session: Session, box: SecretBox, scope: VariableScope, data: VariableCreate
) -> VariableRead:
    """A new variable; its name is unique in its scope and shadows an inherited one."""
    owner = _resolve(session, scope)
    name = check_name(data.name)
    if data.value is None:
        raise _invalid("value", "is required (it may be an empty string)")
    value = check_value(name, data.value)
    if repo.get_by_name(session, owner.scope_id, name) is not None:
        raise _name_taken(name, owner)
    watched = _watch(session, box, owner, [name])
    row = EnvironmentVariableRow(
        project_id=owner.project.id,
        model_id=owner.model.id if owner.model else None,
        version_id=owner.version.id if owner.version else None,
        scope_id=owner.scope_id,
        name=name,
        value=_stored(box, value, secret=data.secret),
        secret=data.secret,
    )
    add(session, row, conflict=_name_taken(name, owner))
    _rebuild_changed(session, box, watched)
    return _read(row)


def update_variable(
    session: Session, box: SecretBox, scope: VariableScope, variable_id: str, data: VariableUpdate
) -> VariableRead:
    """Rename, revalue or hide a variable; a secret never becomes visible again."""
    owner = _resolve(session, scope)
    row = _own_variable(session, owner, variable_id)
    name = row.name if data.name is None else check_name(data.name)
    if row.secret and data.secret is False:
        raise _invalid("secret", "a secret variable stays secret: it cannot be set to false")
    secret = row.secret if data.secret is None else data.secret
    value = check_value(name, _plain(box, row) if data.value is None else data.value)
    if name != row.name and repo.get_by_name(session, owner.scope_id, name) is not None:
        raise _name_taken(name, owner)
    watched = _watch(session, box, owner, [row.name, name])
    row.name, row.secret = name, secret
    row.value = _stored(box, value, secret=secret)
    row.last_updated = utcnow()
    flush(session, conflict=_name_taken(name, owner))
    _rebuild_changed(session, box, watched)
    return _read(row)


def delete_variable(
    session: Session, box: SecretBox, scope: VariableScope, variable_id: str
) -> None:
    """Remove a variable; what it shadowed becomes visible again."""
    owner = _resolve(session, scope)
    row = _own_variable(session, owner, variable_id)
    watched = _watch(session, box, owner, [row.name])
    session.delete(row)
    session.flush()
    _rebuild_changed(session, box, watched)


# -- rebuilds when the model file changes ---------------------------------------------------

_Watched = dict[uuid.UUID, tuple[ModelVersionRow, str]]


def _watch(session: Session, box: SecretBox, owner: _Owner, names: Iterable[str]) -> _Watched:
    """Before a change touching ``ML_MODEL_FILE_NAME``: each packaged version's model file."""
    if MODEL_FILE_VARIABLE not in names:
        return {}
    if owner.version is not None:
        versions: Sequence[ModelVersionRow] = [owner.version]
    else:
        model_id = owner.model.id if owner.model else None
        versions = repo.versions_under(session, owner.project.id, model_id=model_id)
    return {v.id: (v, model_file_name(session, box, v.id)) for v in versions if v.package_key}


def _rebuild_changed(session: Session, box: SecretBox, watched: _Watched) -> None:
    """Queue a build of the current package of each version whose model file changed."""
    for version, before in watched.values():
        if model_file_name(session, box, version.id) == before:
            continue
        effects.queue_build(session, version)
    session.flush()
