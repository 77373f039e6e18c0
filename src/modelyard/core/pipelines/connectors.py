"""What pipelines need of connectors: what one takes, counting references, delivering items.

A connector object is a destination only. A structured connector takes its input fields; a
blob connector takes the one field ``blob`` (a blob id), so both are structured to the graph.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.data.connectors import delivery
from modelyard.core.data.connectors import service as connectors
from modelyard.core.data.connectors.schemas import ConnectorRead
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.pipelines.errors import invalid
from modelyard.core.pipelines.graph import STRUCTURED, Port
from modelyard.core.secrets import SecretBox
from modelyard.errors import NotFound
from modelyard.storage import ArtifactStore


def read(session: Session, project: ProjectRef, name: str) -> ConnectorRead:
    """Connector ``name``; 400 naming ``reference_name`` when it does not exist."""
    try:
        return connectors.get_connector(session, project, name)
    except NotFound as exc:
        raise invalid("reference_name", f"connector '{name}' does not exist") from exc


def describe(session: Session, project: ProjectRef, name: str) -> Port:
    """What connector ``name`` takes, as the graph sees it."""
    connector = read(session, project, name)
    return Port(STRUCTURED, {f.name: f.data_type for f in connector.input_fields})


def add_reference(session: Session, project: ProjectRef, name: str) -> None:
    """A pipeline object now references connector ``name`` (it cannot be deleted meanwhile)."""
    connectors.add_reference(session, project, name)


def remove_reference(session: Session, project: ProjectRef, name: str) -> None:
    """A pipeline object referencing connector ``name`` went away."""
    connectors.remove_reference(session, project, name)


def deliver(
    session: Session,
    box: SecretBox,
    store: ArtifactStore,
    project: ProjectRef,
    name: str,
    items: list[Any],
) -> None:
    """Write ``items`` through connector ``name``; raises when the system refuses."""
    delivery.deliver(session, box, project, name, items, store=store)
