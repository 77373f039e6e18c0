"""Attachments between a pipeline's objects: each checked when made (``graph``), for the
fields it maps and for the cycle it would close.

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelyard.core.identity.repository import add
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.pipelines import graph
from modelyard.core.pipelines.errors import attachment_not_found, attachment_taken, object_not_found
from modelyard.core.pipelines.schemas import AttachmentCreate, AttachmentRead, FieldMapping
from modelyard.core.pipelines.service import Loaded, get_pipeline_row, load
from modelyard.db.tables import PipelineAttachmentRow


def _attachment_read(row: PipelineAttachmentRow, source: str, destination: str) -> AttachmentRead:
    return AttachmentRead(
        id=row.id,
        source_name=source,
        destination_name=destination,
        mapping=[FieldMapping.model_validate(m) for m in row.mapping],
    )


def _reads(loaded: Loaded) -> list[AttachmentRead]:
    return [
        _attachment_read(row, edge.source, edge.destination)
        for row, edge in zip(loaded.attachments, loaded.edges, strict=True)
    ]


def create_attachment(
    session: Session, project: ProjectRef, pipeline_name: str, data: AttachmentCreate
) -> AttachmentRead:
    """Attach two objects with a field mapping: checked against their fields and for cycles."""
    pipeline = get_pipeline_row(session, project, pipeline_name)
    loaded = load(session, project, pipeline)
    source, destination = data.source_name, data.destination_name
    for name, field in ((source, "source_name"), (destination, "destination_name")):
        if name not in loaded.nodes:
            raise object_not_found(pipeline.name, name, field=field)
    if any(e.source == source and e.destination == destination for e in loaded.edges):
        raise attachment_taken(source, destination)
    mapping = tuple((m.source_field_name, m.destination_field_name) for m in data.mapping)
    others = [e for e in loaded.edges if e.destination == destination]
    graph.check_attachment(loaded.nodes[source], loaded.nodes[destination], mapping, others=others)
    graph.check_acyclic(loaded.edges, source, destination)
    row = PipelineAttachmentRow(
        pipeline_id=pipeline.id,
        source_id=loaded.objects[source].row.id if source != graph.START else None,
        destination_id=loaded.objects[destination].row.id,
        mapping=[m.model_dump() for m in data.mapping],
    )
    add(session, row, conflict=attachment_taken(source, destination))
    return _attachment_read(row, source, destination)


def list_attachments(
    session: Session, project: ProjectRef, pipeline_name: str, *, source_name: str | None = None
) -> list[AttachmentRead]:
    """Every attachment of a pipeline, or those of one source object."""
    pipeline = get_pipeline_row(session, project, pipeline_name)
    loaded = load(session, project, pipeline)
    if source_name is not None and source_name not in loaded.nodes:
        raise object_not_found(pipeline.name, source_name, field="source_name")
    found = _reads(loaded)
    return [a for a in found if source_name is None or a.source_name == source_name]


def get_attachment(
    session: Session, project: ProjectRef, pipeline_name: str, source: str, destination: str
) -> AttachmentRead:
    for found in list_attachments(session, project, pipeline_name, source_name=source):
        if found.destination_name == destination:
            return found
    raise attachment_not_found(pipeline_name, source, destination)


def delete_attachment(
    session: Session, project: ProjectRef, pipeline_name: str, source: str, destination: str
) -> None:
    """Remove the link between two objects; both stay in the pipeline."""
    found = get_attachment(session, project, pipeline_name, source, destination)
    row = session.get(PipelineAttachmentRow, found.id)
    session.delete(row)
    session.flush()
