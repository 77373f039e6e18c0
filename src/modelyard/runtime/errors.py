"""The runtime's errors; each message is written for the model's author, who must act on it."""

from __future__ import annotations


class RuntimeFailure(Exception):
    """Base of the runtime's errors, carrying the message to show the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PackageError(RuntimeFailure):
    """The deployment package cannot be used; the message says what to change."""


class BuildError(RuntimeFailure):
    """The environment could not be built or the model could not be imported in it."""


class InstanceStartError(RuntimeFailure):
    """The model could not be loaded; the message is the model's own error."""


class SandboxSetupError(InstanceStartError):
    """bubblewrap or slirp4netns failed while setting the sandbox up, before user code ran."""


class NotDeployedError(RuntimeFailure, LookupError):
    """A request named a deployment that is not deployed here."""

    def __init__(self, key: str) -> None:
        super().__init__(f"deployment {key!r} is not deployed")
        self.key = key
