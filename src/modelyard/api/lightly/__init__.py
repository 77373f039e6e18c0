"""The Lightly dialect, mounted at ``/v1`` (issue 11)."""

from __future__ import annotations

from fastapi import FastAPI

from modelyard.api.context import AppContext


def create_lightly_app(context: AppContext) -> FastAPI:
    """The Lightly sub-application: its routes and its error envelope."""
    app = FastAPI(title="modelyard: Lightly", docs_url="/docs", redoc_url=None)
    app.state.context = context
    return app
