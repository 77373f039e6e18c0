"""Models, versions and deployment packages: the rules around them.

Services flush, never commit: the caller owns the transaction. A package upload writes the
object to the artifact store and queues a build row in the same transaction; the builder
(``core/serving/builder.py``) picks it up, so nothing accepted is lost if the server dies.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from modelyard.core.identity import rules as identity_rules
from modelyard.core.identity import subscriptions
from modelyard.core.identity.repository import add, flush
from modelyard.core.identity.schemas import Principal, ProjectRef
from modelyard.core.secrets import SecretBox
from modelyard.core.serving import effects, environment, references, rules
from modelyard.core.serving import repository as repo
from modelyard.core.serving.errors import (
    model_name_taken,
    no_package,
    version_name_taken,
)
from modelyard.core.serving.lookup import get_model_row, get_version_rows
from modelyard.core.serving.sandboxing import CodePolicy
from modelyard.core.serving.schemas import (
    BuildRead,
    FieldSpec,
    ModelCreate,
    ModelRead,
    ModelUpdate,
    PackageDownload,
    VersionCreate,
    VersionRead,
    VersionUpdate,
)
from modelyard.db.tables import ModelRow, ModelVersionRow
from modelyard.db.types import utcnow
from modelyard.errors import InvalidInput
from modelyard.runtime import PackageError, unpack_package
from modelyard.storage import ArtifactStore

# -- models ---------------------------------------------------------------------------------


def _model_read(row: ModelRow, project: ProjectRef, versions: int) -> ModelRead:
    return ModelRead(
        id=row.id,
        name=row.name,
        project=project.name,
        description=row.description,
        input_type=row.input_type,
        output_type=row.output_type,
        input_fields=[FieldSpec.model_validate(f) for f in row.input_fields],
        output_fields=[FieldSpec.model_validate(f) for f in row.output_fields],
        creation_date=row.creation_date,
        last_updated=row.last_updated,
        number_of_versions=versions,
    )


def create_model(session: Session, project: ProjectRef, data: ModelCreate) -> ModelRead:
    """A model with its input and output definition; names are unique in a project."""
    name = identity_rules.check_name(data.name)
    rules.check_io(data.input_type, data.output_type)
    inputs = rules.check_fields("input", data.input_type, data.input_fields)
    outputs = rules.check_fields("output", data.output_type, data.output_fields)
    if repo.get_model_by_name(session, project.id, name) is not None:
        raise model_name_taken(name)
    model = ModelRow(
        project_id=project.id,
        name=name,
        description=rules.check_description(data.description),
        input_type=data.input_type,
        output_type=data.output_type,
        input_fields=[f.model_dump() for f in inputs],
        output_fields=[f.model_dump() for f in outputs],
    )
    add(session, model, conflict=model_name_taken(name))
    return _model_read(model, project, 0)


def list_models(session: Session, project: ProjectRef) -> list[ModelRead]:
    models = repo.list_models(session, project.id)
    counts = repo.count_versions(session, [m.id for m in models])
    return [_model_read(m, project, counts.get(m.id, 0)) for m in models]


def get_model(session: Session, project: ProjectRef, name: str) -> ModelRead:
    model = get_model_row(session, project, name)
    return _model_read(model, project, repo.count_versions(session, [model.id]).get(model.id, 0))


def update_model(session: Session, project: ProjectRef, name: str, data: ModelUpdate) -> ModelRead:
    """Rename or describe a model; its fields are fixed once created."""
    model = get_model_row(session, project, name)
    if data.name is not None and data.name != model.name:
        new_name = identity_rules.check_name(data.name)
        if repo.get_model_by_name(session, project.id, new_name) is not None:
            raise model_name_taken(new_name)
        model.name = new_name
    if "description" in data.model_fields_set:
        model.description = rules.check_description(data.description)
    model.last_updated = utcnow()
    flush(session, conflict=model_name_taken(model.name))
    return get_model(session, project, model.name)


def delete_model(session: Session, project: ProjectRef, name: str) -> None:
    """Delete a model and its versions; once that commits, their instances stop."""
    model = get_model_row(session, project, name)
    references.ensure_model_unused(session, model.id, model.name)
    version_ids = [v.id for v in repo.list_versions(session, model.id)]
    session.delete(model)
    session.flush()
    effects.retire(session, version_ids)


# -- versions -------------------------------------------------------------------------------


def _version_read(row: ModelVersionRow, model: ModelRow) -> VersionRead:
    return VersionRead(
        id=row.id,
        model=model.name,
        version=row.version,
        description=row.description,
        language=row.language,
        status=row.status,
        error_message=row.error_message,
        memory_allocation=row.memory_allocation,
        maximum_instances=row.maximum_instances,
        minimum_instances=row.minimum_instances,
        maximum_idle_time=row.maximum_idle_time,
        creation_date=row.creation_date,
        last_updated=row.last_updated,
        file_last_updated=row.file_last_updated,
        revision=row.revision,
    )


def create_version(
    session: Session, project: ProjectRef, model_name: str, data: VersionCreate
) -> VersionRead:
    """A version with the seed's defaults; it waits for a package in state ``initialised``."""
    model = get_model_row(session, project, model_name)
    name = rules.check_version_name(data.version)
    rules.check_language(data.language)
    rules.check_scaling(data)
    if repo.get_version_by_name(session, model.id, name) is not None:
        raise version_name_taken(model.name, name)
    subscriptions.check_version_limit(session, project.organization_id)
    row = ModelVersionRow(
        model_id=model.id,
        version=name,
        description=rules.check_description(data.description),
        language=data.language,
        memory_allocation=data.memory_allocation,
        minimum_instances=data.minimum_instances,
        maximum_instances=data.maximum_instances,
        maximum_idle_time=data.maximum_idle_time,
        status="initialised",
    )
    add(session, row, conflict=version_name_taken(model.name, name))
    return _version_read(row, model)


def list_versions(session: Session, project: ProjectRef, model_name: str) -> list[VersionRead]:
    model = get_model_row(session, project, model_name)
    return [_version_read(row, model) for row in repo.list_versions(session, model.id)]


def get_version(
    session: Session, project: ProjectRef, model_name: str, version: str
) -> VersionRead:
    model, row = get_version_rows(session, project, model_name, version)
    return _version_read(row, model)


def update_version(
    session: Session, project: ProjectRef, model_name: str, version: str, data: VersionUpdate
) -> VersionRead:
    """Change name, description or scaling; a new language rebuilds the current package."""
    model, row = get_version_rows(session, project, model_name, version)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    merged = VersionCreate.model_validate({**_settings_of(row), **changes})
    rules.check_scaling(merged)
    new_name = rules.check_version_name(merged.version)
    if new_name != row.version and repo.get_version_by_name(session, model.id, new_name):
        raise version_name_taken(model.name, new_name)
    rebuild = rules.check_language(merged.language) != row.language and row.package_key
    for field, value in merged.model_dump().items():
        setattr(row, field, value)
    if "description" in data.model_fields_set:
        row.description = rules.check_description(data.description)
    row.last_updated = utcnow()
    if rebuild:
        effects.queue_build(session, row)
    effects.reconfigure(session, row.id)
    flush(session, conflict=version_name_taken(model.name, new_name))
    return _version_read(row, model)


def _settings_of(row: ModelVersionRow) -> dict[str, object]:
    return {field: getattr(row, field) for field in VersionCreate.model_fields}


def delete_version(session: Session, project: ProjectRef, model_name: str, version: str) -> None:
    """Delete a version; once that commits, its instances stop."""
    model, row = get_version_rows(session, project, model_name, version)
    references.ensure_version_unused(session, row.id, model=model.name, version=row.version)
    session.delete(row)
    session.flush()
    effects.retire(session, [row.id])


# -- packages and builds --------------------------------------------------------------------


def check_package(source: BinaryIO, *, model_file_name: str = "model.py") -> None:
    """Refuse a package that would never build (not a zip, unsafe paths, no model file) at once."""
    with tempfile.TemporaryDirectory(prefix="modelyard-check-") as scratch:
        try:
            unpack_package(source, Path(scratch) / "package", model_file_name=model_file_name)
        except PackageError as exc:
            raise InvalidInput(f"file: {exc}", field="file") from exc
    source.seek(0)


def upload_package(
    session: Session,
    store: ArtifactStore,
    project: ProjectRef,
    model_name: str,
    version: str,
    *,
    source: BinaryIO,
    author: Principal | None,
    policy: CodePolicy | None,
    box: SecretBox | None = None,
) -> VersionRead:
    """Store a new package revision and queue its build; the version goes back to building.

    With ``box`` the package is checked for the model file the version's environment
    variables name (``ML_MODEL_FILE_NAME``), else for ``model.py``. ``policy`` refuses the
    author's code when this server cannot sandbox it and the author is no administrator
    (None for both only where no user's code arrives: tests of the package rules).
    """
    if author is not None and policy is not None:
        policy.check_deploy(author, field="file")
    model, row = get_version_rows(session, project, model_name, version)
    file_name = environment.model_file_name(session, box, row.id) if box else "model.py"
    check_package(source, model_file_name=file_name)
    revision = row.revision + 1
    key = f"packages/{row.id}/{revision}.zip"
    store.put(key, source)
    row.revision = revision
    row.package_key = key
    row.file_last_updated = row.last_updated = utcnow()
    effects.queue_build(session, row)
    session.flush()
    return _version_read(row, model)


def package_download(
    session: Session, store: ArtifactStore, project: ProjectRef, model_name: str, version: str
) -> PackageDownload:
    """Where the current package is, for streaming it back."""
    model, row = get_version_rows(session, project, model_name, version)
    if row.package_key is None:
        raise no_package(model.name, row.version)
    return PackageDownload(
        storage_key=row.package_key,
        filename=f"{model.name}-{row.version}.zip",
        size=store.size(row.package_key),
    )


def latest_build(
    session: Session, project: ProjectRef, model_name: str, version: str
) -> BuildRead | None:
    """The newest build of a version, with its whole log."""
    _, row = get_version_rows(session, project, model_name, version)
    build = repo.latest_build(session, row.id)
    return BuildRead.model_validate(build) if build else None


def retire_project(session: Session, project: ProjectRef) -> None:
    """The project is being deleted in this transaction: once it commits, the instances of
    every version in it stop (in every server)."""
    effects.retire(session, repo.version_ids_in_project(session, project.id))
