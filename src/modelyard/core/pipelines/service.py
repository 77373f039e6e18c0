"""Pipelines and their objects, and the graph they form as a request sees it.

An object references a model version (by id, so a rename follows) or a connector (by name,
counted in the connector's references). A change of the pipeline's input is checked against
the attachments from ``pipeline_start`` (``attachments`` holds the rules of making them).

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.identity import rules as identity_rules
from modelyard.core.identity.repository import add, flush
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.pipelines import connectors, graph
from modelyard.core.pipelines import repository as repo
from modelyard.core.pipelines.errors import (
    invalid,
    object_name_taken,
    object_not_found,
    pipeline_name_taken,
    pipeline_not_found,
)
from modelyard.core.pipelines.repository import ObjectWithModel
from modelyard.core.pipelines.schemas import (
    ObjectCreate,
    ObjectRead,
    ObjectUpdate,
    PipelineCreate,
    PipelineRead,
    PipelineUpdate,
)
from modelyard.core.secrets import SecretBox
from modelyard.core.serving import environment, rules
from modelyard.core.serving import repository as serving_repo
from modelyard.core.serving.environment import InheritedVariable
from modelyard.db.tables import PipelineAttachmentRow, PipelineObjectRow, PipelineRow
from modelyard.db.types import utcnow
from modelyard.errors import InvalidInput

REFERENCE_TYPES = ("model", "connector")

# -- pipelines ------------------------------------------------------------------------------


def _fields(raw: list[dict[str, str]]) -> list[FieldSpec]:
    return [FieldSpec.model_validate(f) for f in raw]


def _pipeline_read(row: PipelineRow, project: ProjectRef) -> PipelineRead:
    return PipelineRead(
        id=row.id,
        name=row.name,
        project=project.name,
        description=row.description,
        input_type=row.input_type,
        input_fields=_fields(row.input_fields),
        creation_date=row.creation_date,
        last_updated=row.last_updated,
    )


def get_pipeline_row(session: Session, project: ProjectRef, name: str) -> PipelineRow:
    row = repo.get_pipeline_by_name(session, project.id, name)
    if row is None:
        raise pipeline_not_found(name)
    return row


def _check_input(input_type: str, fields: list[FieldSpec]) -> list[dict[str, str]]:
    if input_type not in rules.IO_TYPES:
        raise invalid(
            "input_type", f"must be one of {', '.join(rules.IO_TYPES)}, not '{input_type}'"
        )
    return [f.model_dump() for f in rules.check_fields("input", input_type, fields)]


def create_pipeline(session: Session, project: ProjectRef, data: PipelineCreate) -> PipelineRead:
    """A pipeline with its input definition; names are unique in a project."""
    name = identity_rules.check_name(data.name)
    fields = _check_input(data.input_type, data.input_fields)
    if repo.get_pipeline_by_name(session, project.id, name) is not None:
        raise pipeline_name_taken(name)
    row = PipelineRow(
        project_id=project.id,
        name=name,
        description=rules.check_description(data.description),
        input_type=data.input_type,
        input_fields=fields,
    )
    add(session, row, conflict=pipeline_name_taken(name))
    return _pipeline_read(row, project)


def list_pipelines(session: Session, project: ProjectRef) -> list[PipelineRead]:
    return [_pipeline_read(row, project) for row in repo.list_pipelines(session, project.id)]


def get_pipeline(session: Session, project: ProjectRef, name: str) -> PipelineRead:
    return _pipeline_read(get_pipeline_row(session, project, name), project)


def update_pipeline(
    session: Session, project: ProjectRef, name: str, data: PipelineUpdate
) -> PipelineRead:
    """Rename, describe or change the input; attachments from ``pipeline_start`` must still fit."""
    row = get_pipeline_row(session, project, name)
    new_name = row.name
    if data.name is not None and data.name != row.name:
        new_name = identity_rules.check_name(data.name)
        if repo.get_pipeline_by_name(session, project.id, new_name) is not None:
            raise pipeline_name_taken(new_name)
    description = row.description
    if "description" in data.model_fields_set:
        description = rules.check_description(data.description)
    if data.input_type is not None or data.input_fields is not None:
        _change_input(session, project, row, data)
    row.name, row.description, row.last_updated = new_name, description, utcnow()
    flush(session, conflict=pipeline_name_taken(row.name))
    return _pipeline_read(row, project)


def _change_input(
    session: Session, project: ProjectRef, row: PipelineRow, data: PipelineUpdate
) -> None:
    """New fields replace the old; a new type without fields drops them (the seed's rule).

    The client sends ``input_type`` with every update, so the same type alone changes nothing.
    """
    input_type = data.input_type or row.input_type
    if data.input_fields is None and input_type == row.input_type:
        return
    fields = _check_input(input_type, data.input_fields or [])
    start = graph.Node(graph.START, "start", gives=_port(input_type, _fields(fields)))
    loaded = load(session, project, row)
    for edge in loaded.edges:
        if edge.source != graph.START:
            continue
        others = [e for e in loaded.edges if e.destination == edge.destination and e != edge]
        try:
            graph.check_attachment(
                start, loaded.nodes[edge.destination], edge.mapping, others=others
            )
        except InvalidInput as exc:
            raise invalid(
                "input_fields",
                f"the attachment from {graph.START} to '{edge.destination}' would no longer "
                f"fit ({exc.message}); change or delete it first",
            ) from exc
    row.input_type, row.input_fields = input_type, fields


def delete_pipeline(session: Session, project: ProjectRef, name: str) -> None:
    """Delete a pipeline with its objects and attachments; connectors lose a reference each."""
    row = get_pipeline_row(session, project, name)
    for connector in repo.connector_objects(session, row.id):
        connectors.remove_reference(session, project, connector)
    session.delete(row)
    session.flush()


# -- the graph of a pipeline ----------------------------------------------------------------


def _port(io_type: str, fields: list[FieldSpec]) -> graph.Port:
    return graph.Port(io_type, {f.name: f.data_type for f in fields})


@dataclass(frozen=True)
class Loaded:
    """A pipeline's objects and attachments, as rows and as the graph's nodes and edges."""

    objects: dict[str, ObjectWithModel]
    nodes: dict[str, graph.Node]
    edges: list[graph.Edge]
    attachments: list[PipelineAttachmentRow]


def _node(session: Session, project: ProjectRef, found: ObjectWithModel) -> graph.Node:
    row, model = found.row, found.model
    if model is not None:
        takes = _port(model.input_type, _fields(model.input_fields))
        gives = _port(model.output_type, _fields(model.output_fields))
        return graph.Node(row.name, "model", takes=takes, gives=gives)
    takes = connectors.describe(session, project, row.reference_name)
    return graph.Node(row.name, "connector", takes=takes)


def load(session: Session, project: ProjectRef, pipeline: PipelineRow) -> Loaded:
    """Every object and attachment of a pipeline; edges come oldest first, as they apply."""
    objects = {found.row.name: found for found in repo.list_objects(session, pipeline.id)}
    nodes = {name: _node(session, project, found) for name, found in objects.items()}
    start_port = _port(pipeline.input_type, _fields(pipeline.input_fields))
    nodes[graph.START] = graph.Node(graph.START, "start", gives=start_port)
    names = {found.row.id: name for name, found in objects.items()}
    attachments = list(repo.list_attachments(session, pipeline.id))
    edges = [
        graph.Edge(
            names[a.source_id] if a.source_id else graph.START,
            names[a.destination_id],
            tuple((m["source_field_name"], m["destination_field_name"]) for m in a.mapping),
        )
        for a in attachments
    ]
    return Loaded(objects, nodes, edges, attachments)


def load_graph(
    session: Session, project: ProjectRef, pipeline: PipelineRow
) -> tuple[Loaded, graph.Plan]:
    """The pipeline as a request runs it; 400 when an object's input is not wholly mapped."""
    loaded = load(session, project, pipeline)
    return loaded, graph.plan(loaded.nodes, loaded.edges)


# -- objects --------------------------------------------------------------------------------


def _object_read(session: Session, project: ProjectRef, found: ObjectWithModel) -> ObjectRead:
    row, model, version = found.row, found.model, found.version
    if model is not None:
        return ObjectRead(
            id=row.id,
            name=row.name,
            reference_type=row.reference_type,
            reference_name=model.name,
            version=version.version if version else None,
            input_type=model.input_type,
            input_fields=_fields(model.input_fields),
            output_type=model.output_type,
            output_fields=_fields(model.output_fields),
        )
    connector = connectors.read(session, project, row.reference_name)
    return ObjectRead(
        id=row.id,
        name=row.name,
        reference_type=row.reference_type,
        reference_name=row.reference_name,
        version=None,
        input_type=connector.input_type,
        input_fields=connector.input_fields,
        output_type=None,
        output_fields=[],
    )


def _get_object(
    session: Session, pipeline: PipelineRow, name: str, *, field: str = "name"
) -> ObjectWithModel:
    found = repo.get_object(session, pipeline.id, name)
    if found is None:
        raise object_not_found(pipeline.name, name, field=field)
    return found


def _check_object_name(session: Session, pipeline: PipelineRow, name: str) -> str:
    name = identity_rules.check_name(name)
    if repo.get_object(session, pipeline.id, name) is not None:
        raise object_name_taken(pipeline.name, name)
    return name


def _resolve_model(
    session: Session, project: ProjectRef, model_name: str, version: str | None
) -> tuple[uuid.UUID, uuid.UUID]:
    """The model and version an object references, refused (400) when either is missing."""
    model = serving_repo.get_model_by_name(session, project.id, model_name)
    if model is None:
        raise invalid("reference_name", f"model '{model_name}' does not exist")
    if not version:
        raise invalid("version", "is required when reference_type is model")
    row = serving_repo.get_version_by_name(session, model.id, version)
    if row is None:
        raise invalid("version", f"model '{model_name}' has no version '{version}'")
    return model.id, row.id


def create_object(
    session: Session, project: ProjectRef, pipeline_name: str, data: ObjectCreate
) -> ObjectRead:
    """Add a reference to a model version or a connector; several may reference the same one."""
    pipeline = get_pipeline_row(session, project, pipeline_name)
    name = _check_object_name(session, pipeline, data.name)
    row = PipelineObjectRow(pipeline_id=pipeline.id, name=name)
    if data.reference_type == "model":
        row.model_id, row.version_id = _resolve_model(
            session, project, data.reference_name, data.version
        )
    elif data.reference_type == "connector":
        if data.version:
            raise invalid("version", "must be omitted when reference_type is connector")
        connectors.describe(session, project, data.reference_name)
        connectors.add_reference(session, project, data.reference_name)
    else:
        allowed = " or ".join(REFERENCE_TYPES)
        raise invalid("reference_type", f"must be {allowed}, not '{data.reference_type}'")
    row.reference_type, row.reference_name = data.reference_type, data.reference_name
    add(session, row, conflict=object_name_taken(pipeline.name, name))
    return _object_read(session, project, _get_object(session, pipeline, name))


def list_objects(session: Session, project: ProjectRef, pipeline_name: str) -> list[ObjectRead]:
    pipeline = get_pipeline_row(session, project, pipeline_name)
    return [_object_read(session, project, f) for f in repo.list_objects(session, pipeline.id)]


def get_object(session: Session, project: ProjectRef, pipeline_name: str, name: str) -> ObjectRead:
    pipeline = get_pipeline_row(session, project, pipeline_name)
    return _object_read(session, project, _get_object(session, pipeline, name))


def update_object(
    session: Session, project: ProjectRef, pipeline_name: str, name: str, data: ObjectUpdate
) -> ObjectRead:
    """Rename an object, or point a model object at another version of the same model."""
    pipeline = get_pipeline_row(session, project, pipeline_name)
    found = _get_object(session, pipeline, name)
    row = found.row
    version_id, new_name = row.version_id, row.name
    if data.version is not None and data.version != (found.version and found.version.version):
        if found.model is None:
            raise invalid("version", "a connector object has no version")
        _, version_id = _resolve_model(session, project, found.model.name, data.version)
    if data.name is not None and data.name != row.name:
        new_name = _check_object_name(session, pipeline, data.name)
    row.version_id, row.name = version_id, new_name
    flush(session, conflict=object_name_taken(pipeline.name, row.name))
    return _object_read(session, project, _get_object(session, pipeline, row.name))


def delete_object(session: Session, project: ProjectRef, pipeline_name: str, name: str) -> None:
    """Remove an object and its attachments; what it references stays."""
    pipeline = get_pipeline_row(session, project, pipeline_name)
    row = _get_object(session, pipeline, name).row
    if row.reference_type == "connector":
        connectors.remove_reference(session, project, row.reference_name)
    session.delete(row)
    session.flush()


def object_variables(
    session: Session, box: SecretBox, project: ProjectRef, pipeline_name: str, name: str
) -> list[InheritedVariable]:
    """The environment variables a model object's instances see; a connector object has none."""
    pipeline = get_pipeline_row(session, project, pipeline_name)
    row = _get_object(session, pipeline, name).row
    if row.version_id is None:
        return []
    return environment.inherited_variables(session, box, row.version_id)
