"""Deployment packages of the UbiOps era, zipped as a user would upload them."""

from __future__ import annotations

import textwrap
import zipfile
from collections.abc import Mapping
from pathlib import Path

ECHO_MODEL = """
class Model:
    def __init__(self, base_directory, context):
        self.context = context

    def request(self, data):
        return data
"""


def model_zip(
    path: Path,
    source: str = ECHO_MODEL,
    *,
    requirements: str | None = None,
    files: Mapping[str, str] | None = None,
) -> Path:
    """A zip with ``model_package/model.py`` and, if given, requirements and other files."""
    entries = {"model_package/model.py": textwrap.dedent(source)}
    if requirements is not None:
        entries["model_package/requirements.txt"] = requirements
    for name, text in (files or {}).items():
        entries[f"model_package/{name}"] = textwrap.dedent(text)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return path
