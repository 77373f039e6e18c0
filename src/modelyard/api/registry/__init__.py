"""The Models registry dialect, mounted at ``/api/models`` (issue 10)."""

from __future__ import annotations

from fastapi import FastAPI

from modelyard.api.context import AppContext


def create_registry_app(context: AppContext) -> FastAPI:
    """The Models registry sub-application: its routes and its error envelope."""
    app = FastAPI(title="modelyard: Models registry", docs_url="/docs", redoc_url=None)
    app.state.context = context
    return app
