"""The Alchemite dialect, mounted at ``/v0`` (issue 8)."""

from __future__ import annotations

from fastapi import FastAPI

from modelyard.api.context import AppContext


def create_alchemite_app(context: AppContext) -> FastAPI:
    """The Alchemite sub-application: its routes and its error envelope."""
    app = FastAPI(title="modelyard: Alchemite", docs_url="/docs", redoc_url=None)
    app.state.context = context
    return app
