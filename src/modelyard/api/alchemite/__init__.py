"""The Alchemite dialect, mounted at ``/v0`` (issue 8): tabular datasets uploaded whole or in
chunks, and the models trained on them, for the unmodified ``alchemite-apiclient`` 0.65.0."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from modelyard.api.alchemite.errors import BODIES, install_error_handlers
from modelyard.api.alchemite.routes import dataset, models, token, version
from modelyard.api.context import AppContext
from modelyard.api.limits import Upload, limit_bodies
from modelyard.api.openapi import install_document
from modelyard.api.validation import check_parameters

UPLOADS = (
    Upload("POST", r"/models/[^/]+/dataset$"),
    Upload("PUT", r"/models/[^/]+/dataset/chunks/[^/]+$"),
)
"""A dataset in one JSON string, and its chunks of CSV."""


def create_alchemite_app(context: AppContext) -> FastAPI:
    """The Alchemite sub-application: its routes and its error envelope."""
    app = FastAPI(
        title="modelyard: Alchemite",
        docs_url="/docs",
        redoc_url=None,
        dependencies=[Depends(check_parameters)],
    )
    app.state.context = context
    install_error_handlers(app)
    install_document(app, BODIES)
    limit_bodies(app, context.settings, UPLOADS)
    for module in (version, token, models, dataset):
        app.include_router(module.router)
    return app
