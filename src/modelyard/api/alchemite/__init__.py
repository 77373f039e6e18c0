"""The Alchemite dialect, mounted at ``/v0`` (issue 8): tabular datasets uploaded whole or in
chunks, and the models trained on them, for the unmodified ``alchemite-apiclient`` 0.65.0."""

from __future__ import annotations

from fastapi import FastAPI

from modelyard.api.alchemite.errors import BODIES, RENDERERS
from modelyard.api.alchemite.routes import dataset, models, token, version
from modelyard.api.context import AppContext
from modelyard.api.dialect import Dialect, create_dialect_app
from modelyard.api.limits import Upload

UPLOADS = (
    Upload("POST", r"/models/[^/]+/dataset$"),
    Upload("PUT", r"/models/[^/]+/dataset/chunks/[^/]+$"),
)
"""A dataset in one JSON string, and its chunks of CSV."""


ROUTES = (version, token, models, dataset)


def create_alchemite_app(context: AppContext) -> FastAPI:
    """The Alchemite sub-application."""
    dialect = Dialect(
        "Alchemite",
        [module.router for module in ROUTES],
        BODIES,
        RENDERERS,
        UPLOADS,
    )
    return create_dialect_app(context, dialect)
