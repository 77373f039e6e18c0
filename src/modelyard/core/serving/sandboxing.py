"""Which sandbox user code runs in on this server, and who may deploy code without one.

Chosen once from the settings at start: the machine's bubblewrap sandbox when it has one; none
when the operator set ``MODELYARD_SANDBOX=off`` (a warning at start); none when the machine has
no sandbox, in which case only platform administrators may deploy code (anyone else's code is a
403 at upload, naming what to install).
"""

from __future__ import annotations

from dataclasses import dataclass

from modelyard.core.identity.schemas import Principal
from modelyard.errors import PermissionDenied
from modelyard.runtime.sandbox import Limits, Sandbox, probe
from modelyard.settings import Settings


@dataclass(frozen=True)
class CodePolicy:
    """The sandbox instances run in, and why there is none when there is none."""

    sandbox: Sandbox
    reason: str = ""
    chosen_off: bool = False

    def check_deploy(self, author: Principal, *, field: str) -> None:
        """Refuse code from anyone but an administrator when this server cannot confine it."""
        if self.sandbox.enabled or self.chosen_off or author.is_admin:
            return
        raise PermissionDenied(
            f"{field}: this server has no sandbox for user code ({self.reason}), so only "
            "platform administrators may deploy code here",
            field=field,
        )

    def startup_line(self) -> str:
        """What ``modelyard serve`` says about user code when it starts."""
        if self.sandbox.enabled:
            return "user code runs sandboxed (bubblewrap, slirp4netns)"
        if self.chosen_off:
            return (
                "WARNING: MODELYARD_SANDBOX=off: user code runs unsandboxed, as this server's user"
            )
        return f"WARNING: no sandbox for user code: {self.reason}; only administrators may deploy"


def code_policy(settings: Settings) -> CodePolicy:
    """The policy the settings and this machine give."""
    limits = Limits(
        processes=settings.sandbox_processes,
        open_files=settings.sandbox_open_files,
        disk_mb=settings.sandbox_disk_mb,
    )
    if settings.sandbox == "off":
        return CodePolicy(Sandbox.off(limits), "MODELYARD_SANDBOX=off", chosen_off=True)
    found = probe()
    if found.sandbox is None:
        return CodePolicy(Sandbox.off(limits), found.reason)
    sandbox = Sandbox(
        bwrap=found.sandbox.bwrap,
        slirp4netns=found.sandbox.slirp4netns,
        setpriv=found.sandbox.setpriv,
        uid_base=settings.sandbox_uid_base,
        limits=limits,
    )
    return CodePolicy(sandbox)
