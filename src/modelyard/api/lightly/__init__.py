"""The Lightly dialect, mounted at ``/v1`` (issue 11): datasets and their datasources."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from modelyard.api.context import AppContext
from modelyard.api.lightly.errors import BODIES, install_error_handlers
from modelyard.api.lightly.routes import datasets, datasources, files
from modelyard.api.limits import limit_bodies
from modelyard.api.openapi import install_document
from modelyard.api.validation import check_parameters


def create_lightly_app(context: AppContext) -> FastAPI:
    """The Lightly sub-application: its routes and its error envelope."""
    app = FastAPI(
        title="modelyard: Lightly",
        docs_url="/docs",
        redoc_url=None,
        dependencies=[Depends(check_parameters)],
    )
    app.state.context = context
    install_error_handlers(app)
    install_document(app, BODIES)
    limit_bodies(app, context.settings)
    for module in (datasets, datasources, files):
        app.include_router(module.router)
    return app
