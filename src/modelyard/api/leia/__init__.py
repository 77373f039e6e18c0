"""The Leia dialect, mounted at ``/leia/1.0.0`` (issue 9)."""

from __future__ import annotations

from fastapi import FastAPI

from modelyard.api.context import AppContext
from modelyard.api.dialect import Dialect, create_dialect_app
from modelyard.api.leia.errors import BODIES, RENDERERS
from modelyard.api.leia.routes import admin_job, application, document, job, model
from modelyard.api.limits import Upload

UPLOADS = (
    Upload("POST", r"/document$"),
    Upload("POST", r"/admin/[^/]+/model$"),
)
"""Documents and model files as raw bytes."""


ROUTES = (application, document, model, job, admin_job)


def create_leia_app(context: AppContext) -> FastAPI:
    """The Leia sub-application."""
    dialect = Dialect(
        "Leia",
        [module.router for module in ROUTES],
        BODIES,
        RENDERERS,
        UPLOADS,
    )
    return create_dialect_app(context, dialect)
