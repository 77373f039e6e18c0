"""Translation of environment variables, including how inherited ones are labelled."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import environment as wire
from modelyard.core.serving.environment import (
    InheritedVariable,
    Level,
    VariableCreate,
    VariableRead,
    VariableUpdate,
)

WIRE_LEVEL: dict[Level, str] = {"project": "project", "model": "model", "version": "model_version"}


def variable_create(body: wire.EnvironmentVariableCreate) -> VariableCreate:
    return VariableCreate.model_validate(body, from_attributes=True)


def variable_update(body: wire.EnvironmentVariableUpdate) -> VariableUpdate:
    return VariableUpdate.model_validate(body, from_attributes=True)


def variable(read: VariableRead) -> wire.EnvironmentVariableList:
    return wire.EnvironmentVariableList.model_validate(read, from_attributes=True)


def inherited(
    read: InheritedVariable, *, listed: Level | None
) -> wire.InheritedEnvironmentVariableList:
    """A variable as listed for ``listed`` (``None``: a pipeline object, which owns none).

    Its own variables carry no inheritance (null); a version's level is named
    ``model_version`` as in the seed's pipeline listing. The client refuses an empty ``value``
    in this model, so an empty value is sent as null.
    """
    own = read.inheritance_type == listed
    return wire.InheritedEnvironmentVariableList(
        id=str(read.id),
        name=read.name,
        value=read.value or None,
        secret=read.secret,
        inheritance_type=None if own else WIRE_LEVEL[read.inheritance_type],
        inheritance_name=None if own else read.inheritance_name,
    )
