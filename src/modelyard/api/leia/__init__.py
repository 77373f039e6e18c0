"""The Leia dialect, mounted at ``/leia/1.0.0`` (issue 9)."""

from __future__ import annotations

from fastapi import FastAPI

from modelyard.api.context import AppContext


def create_leia_app(context: AppContext) -> FastAPI:
    """The Leia sub-application: its routes and its error envelope."""
    app = FastAPI(title="modelyard: Leia", docs_url="/docs", redoc_url=None)
    app.state.context = context
    return app
