"""The model file: a zip with ``leia_model.json`` at its root and ``<model_module>.py`` beside
it. The manifest fills the fields the Leia client requires of a Model but never sends."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelyard.errors import InvalidInput

MANIFEST = "leia_model.json"
REQUIRED = ("model_module", "model_clazz", "model_type", "input_types")
MODEL_TYPES = ("classification", "image_extraction", "key_value_extraction")
"""Leia's ``ModelTypes``: the SDK's users filter and branch on these, so no other is stored."""
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class Manifest:
    model_module: str
    model_clazz: str
    model_type: str
    input_types: list[str]
    output_format: Any
    documentation: str | None


def _bad(message: str, field: str = "body") -> InvalidInput:
    return InvalidInput(message, field=field)


def read_manifest(path: Path) -> Manifest:
    """Check the zip and its manifest; a 400 names what is missing or wrong."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if MANIFEST not in names:
                raise _bad(f"the model file must hold {MANIFEST} at the root of the zip")
            raw = archive.read(MANIFEST)
    except zipfile.BadZipFile:
        raise _bad(f"the model file must be a zip with {MANIFEST} at its root") from None
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise _bad(f"{MANIFEST} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise _bad(f"{MANIFEST} must be a JSON object")
    return _checked(data, names)


def _checked(data: dict[str, Any], names: set[str]) -> Manifest:
    missing = [field for field in REQUIRED if not data.get(field)]
    if missing:
        raise _bad(f"{MANIFEST} lacks {', '.join(missing)}", field=missing[0])
    module, clazz = data["model_module"], data["model_clazz"]
    if not isinstance(module, str) or not MODULE.match(module):
        raise _bad(f"model_module: '{module}' is not a Python module name", "model_module")
    if not isinstance(clazz, str) or not IDENTIFIER.match(clazz):
        raise _bad(f"model_clazz: '{clazz}' is not a Python class name", "model_clazz")
    module_file = module.replace(".", "/") + ".py"
    if module_file not in names and module.replace(".", "/") + "/__init__.py" not in names:
        raise _bad(
            f"model_module: the zip holds no {module_file} beside {MANIFEST}", "model_module"
        )
    inputs = data["input_types"]
    if not isinstance(inputs, list) or not all(isinstance(item, str) for item in inputs):
        raise _bad("input_types: must be a list of strings", "input_types")
    if data["model_type"] not in MODEL_TYPES:
        raise _bad(
            f"model_type: {json.dumps(data['model_type'])} is not a Leia model type; "
            f"use one of {', '.join(MODEL_TYPES)}",
            "model_type",
        )
    documentation = data.get("documentation")
    return Manifest(
        model_module=module,
        model_clazz=clazz,
        model_type=data["model_type"],
        input_types=list(inputs),
        output_format=data.get("output_format"),
        documentation=documentation if isinstance(documentation, str) else None,
    )
