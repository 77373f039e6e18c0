"""Finding the Python interpreters on this host and picking one for a UbiOps language string.

An interpreter counts only if it runs: version-manager shims (pyenv's, for one) are on PATH
for every version but answer only for the active ones, so each candidate is asked its version.
The shim needs Python 3.8 or newer, so older requests (UbiOps offered python3.5 to python3.8)
are served by the closest newer interpreter, with a note for the build log.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from modelyard.runtime.errors import BuildError

MINIMUM_MINOR = 8
PROBE_TIMEOUT = 15.0
CANDIDATE = re.compile(r"python3\.(\d+)")
LANGUAGE = re.compile(r"python(\d+)\.(\d+)")


@dataclass(frozen=True)
class Interpreter:
    """A working Python interpreter and its full version."""

    path: Path
    version: tuple[int, int, int]

    @property
    def version_text(self) -> str:
        """The version as ``3.8.18``."""
        return ".".join(str(part) for part in self.version)


@dataclass(frozen=True)
class InterpreterChoice:
    """The interpreter picked for a language, and a note when it is not the exact version."""

    interpreter: Interpreter
    note: str | None


def default_interpreter_dirs() -> list[Path]:
    """The folders to search when none are configured: PATH, then pyenv's installed versions."""
    dirs = [Path(entry) for entry in os.environ.get("PATH", "").split(os.pathsep) if entry]
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    dirs.extend(sorted((pyenv_root / "versions").glob("*/bin")))
    return dirs


def discover_interpreters(dirs: Iterable[Path]) -> dict[int, Interpreter]:
    """The first working ``python3.N`` for each minor version N, searching ``dirs`` in order."""
    found: dict[int, Interpreter] = {}
    for folder in dirs:
        if not folder.is_dir():
            continue
        for candidate in sorted(folder.iterdir()):
            match = CANDIDATE.fullmatch(candidate.name)
            if match is None or int(match[1]) in found or int(match[1]) < MINIMUM_MINOR:
                continue
            version = probe_version(candidate)
            if version is not None and version[:2] == (3, int(match[1])):
                found[version[1]] = Interpreter(candidate, version)
    return found


def probe_version(path: Path) -> tuple[int, int, int] | None:
    """Ask an interpreter for its version; ``None`` if it does not run."""
    script = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    try:
        done = subprocess.run(
            [str(path), "-c", script], capture_output=True, text=True, timeout=PROBE_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = done.stdout.strip().split(".")
    if done.returncode != 0 or len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def choose_interpreter(language: str, available: Mapping[int, Interpreter]) -> InterpreterChoice:
    """The exact version if present, else the closest newer one, else the newest there is."""
    match = LANGUAGE.fullmatch(language)
    if match is None or match[1] != "3":
        raise BuildError(f"unsupported language {language!r}: expected python3.N")
    if not available:
        raise BuildError(f"no Python 3.{MINIMUM_MINOR} or newer interpreter was found on this host")
    minor = int(match[2])
    if minor in available:
        return InterpreterChoice(available[minor], None)
    newer = [candidate for candidate in available if candidate > minor]
    chosen = available[min(newer) if newer else max(available)]
    direction = "newer" if newer else "older"
    note = (
        f"{language} is not available on this host; using Python {chosen.version_text} "
        f"({chosen.path}), the closest {direction} version"
    )
    return InterpreterChoice(chosen, note)
