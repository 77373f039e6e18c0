"""The Leia dialect, mounted at ``/leia/1.0.0`` (issue 9)."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from modelyard.api.context import AppContext
from modelyard.api.leia.errors import BODIES, install_error_handlers
from modelyard.api.leia.routes import admin_job, application, document, job, model
from modelyard.api.limits import Upload, limit_bodies
from modelyard.api.openapi import install_document
from modelyard.api.validation import check_parameters

UPLOADS = (
    Upload("POST", r"/document$"),
    Upload("POST", r"/admin/[^/]+/model$"),
)
"""Documents and model files as raw bytes."""


def create_leia_app(context: AppContext) -> FastAPI:
    """The Leia sub-application: its routes and its error envelope."""
    app = FastAPI(
        title="modelyard: Leia",
        docs_url="/docs",
        redoc_url=None,
        dependencies=[Depends(check_parameters)],
    )
    app.state.context = context
    install_error_handlers(app)
    install_document(app, BODIES)
    limit_bodies(app, context.settings, UPLOADS)
    for module in (application, document, model, job, admin_job):
        app.include_router(module.router)
    return app
