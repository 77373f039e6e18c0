"""Wire models of environment variables (project, model and version level)."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import Id, Wire


class EnvironmentVariableCreate(Wire):
    """The client sends ``value`` only when set; ``secret`` always."""

    name: str
    value: str | None = None
    secret: bool = False


class EnvironmentVariableUpdate(Wire):
    """The client sends a whole ``EnvironmentVariableCreate``; raw callers may send less."""

    name: str | None = None
    value: str | None = None
    secret: bool | None = None


class EnvironmentVariableList(Wire):
    id: Id
    name: str
    value: str | None
    secret: bool


class InheritedEnvironmentVariableList(EnvironmentVariableList):
    """``inheritance_type``/``inheritance_name`` are null for a variable of the listed object
    itself: the seed shows "" there, which the client refuses."""

    inheritance_type: str | None
    inheritance_name: str | None
