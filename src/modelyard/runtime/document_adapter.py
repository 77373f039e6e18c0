"""The adapter that lets the shim serve a document model (the Leia kind).

The shim serves ``class Model`` with ``request(data)`` from a model file. A document model is
instead ``<model_module>.<model_clazz>`` with ``__init__(base_directory, context)``,
``apply(document, model_params)`` and optionally ``train(documents, model_params)``. This file
is copied beside the model's files under ``FILE_NAME`` and named as the instance's model file,
so the unchanged shim loads this ``Model``, which loads the real class and dispatches
``{"op": "apply" | "train", ...}`` requests to it. Standard library only: it runs inside the
model's own environment.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

FILE_NAME = "_modelyard_document.py"
MODULE_KEY = "model_module"
CLASS_KEY = "model_clazz"


class Model:
    """Loads ``context[model_module].context[model_clazz]`` and forwards requests to it."""

    def __init__(self, base_directory: str, context: dict[str, Any]) -> None:
        context = dict(context)
        module_name = context.pop(MODULE_KEY)
        class_name = context.pop(CLASS_KEY)
        module = importlib.import_module(module_name)
        model_class = getattr(module, class_name, None)
        if model_class is None:
            raise AttributeError(f"{module_name} defines no class {class_name}")
        self.base_directory = base_directory
        self.model = model_class(base_directory, context)

    def request(self, data: dict[str, Any]) -> Any:
        operation = data.get("op")
        params = _params(data)
        if operation == "apply":
            return self.model.apply(data.get("document"), params)
        if operation == "train":
            train = getattr(self.model, "train", None)
            if train is None:
                raise NotImplementedError("this model has no train(documents, model_params)")
            train(data.get("documents"), params)
            return {"trained": True, "files": sorted(os.listdir(self.base_directory))}
        raise ValueError(f"unknown operation {operation!r}")


def _params(data: dict[str, Any]) -> Any:
    """The model's ``model_params``: ``{}`` when none came (a job accepted before they were
    always a dict), since model code calls ``model_params.get``."""
    params = data.get("model_params")
    return {} if params is None else params


def source() -> str:
    """This file's text, to copy beside a document model's files."""
    with open(__file__, encoding="utf-8") as handle:
        return handle.read()
