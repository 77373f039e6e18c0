"""The Lightly dialect, mounted at ``/v1`` (issue 11): datasets and their datasources."""

from __future__ import annotations

from fastapi import FastAPI

from modelyard.api.context import AppContext
from modelyard.api.dialect import Dialect, create_dialect_app
from modelyard.api.lightly.errors import BODIES, RENDERERS
from modelyard.api.lightly.routes import datasets, datasources, files

ROUTES = (datasets, datasources, files)


def create_lightly_app(context: AppContext) -> FastAPI:
    """The Lightly sub-application."""
    dialect = Dialect(
        "Lightly",
        [module.router for module in ROUTES],
        BODIES,
        RENDERERS,
        (),
    )
    return create_dialect_app(context, dialect)
