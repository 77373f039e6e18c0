"""The peers' virtual environments: one per framework, Python 3.11, pinned requirements.

Each lives in ``bench/peers/.venvs/<name>`` (git-ignored) and is (re)built with uv only when its
``requirements/<name>.txt`` changed since the last build, so a rerun starts at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENVS = HERE / ".venvs"
REQUIREMENTS = HERE / "requirements"
PYTHON_VERSION = "3.11"
STAMP = ".requirements"


def uv() -> str:
    """The uv beside our interpreter (a modelyard dependency), else the one on PATH."""
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.exists() else shutil.which("uv")
    if found is None:
        raise RuntimeError("uv not found: install modelyard's dependencies (make .venv)")
    return found


def base_python() -> str:
    """A Python 3.11 interpreter: pyenv's if there is one, else whatever uv finds."""
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    for candidate in sorted(pyenv.glob(f"{PYTHON_VERSION}.*/bin/python"), reverse=True):
        return str(candidate)
    return PYTHON_VERSION


def ensure(name: str) -> Path:
    """The directory of the environment ``name``, built or rebuilt when its pins changed."""
    venv = VENVS / name
    wanted = (REQUIREMENTS / f"{name}.txt").read_text()
    stamp = venv / STAMP
    if stamp.exists() and stamp.read_text() == wanted:
        return venv
    print(f"installing {name} into {venv} (once)", flush=True)
    subprocess.run(
        [uv(), "venv", "-q", "--clear", "--python", base_python(), str(venv)], check=True
    )
    install = [uv(), "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
    subprocess.run([*install, "-r", str(REQUIREMENTS / f"{name}.txt")], check=True)
    stamp.write_text(wanted)
    return venv


def pinned(name: str, package: str) -> str:
    """The ``package==version`` line of ``requirements/<name>.txt``."""
    for line in (REQUIREMENTS / f"{name}.txt").read_text().splitlines():
        if line.split("==")[0].strip().lower() == package:
            return line.strip()
    raise RuntimeError(f"{package} is not pinned in requirements/{name}.txt")


def has_module(venv: Path, module: str) -> bool:
    """Whether ``module`` is importable in the environment (uvloop, httptools)."""
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return subprocess.run([str(venv / "bin" / "python"), "-c", probe], check=False).returncode == 0
