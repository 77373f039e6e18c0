"""What every dialect's sub-application is made of, put together in one place: its routes, its
error envelope, its OpenAPI document, its body limits and the edge checks of its parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Depends, FastAPI
from fastapi.telemetry import TelemetryConfig

from modelyard.api.context import AppContext
from modelyard.api.errors import Renderers
from modelyard.api.limits import Upload, limit_bodies
from modelyard.api.openapi import ErrorBodies, install_document
from modelyard.api.validation import check_parameters
from modelyard.settings import Settings


@dataclass(frozen=True)
class Dialect:
    """One vendor's API as modelyard serves it."""

    title: str
    routers: Sequence[APIRouter]
    bodies: ErrorBodies
    """The bodies its errors are answered in (for the document)."""
    errors: Renderers
    """Renders every error of the sub-application in the dialect's envelope."""
    uploads: tuple[Upload, ...] = ()
    """The routes that take large bodies (streamed to disk, a higher limit)."""


def telemetry(settings: Settings) -> TelemetryConfig:
    """FastAPI's OpenTelemetry as the settings ask: on, every request of every (sub-)application
    asks the OpenTelemetry providers whether they are configured, about 13 µs each."""
    on = settings.opentelemetry
    return {"tracing": on, "metrics": on, "logs": on}


def create_dialect_app(context: AppContext, dialect: Dialect) -> FastAPI:
    """The sub-application serving ``dialect``, mounted by ``create_app`` under its prefix."""
    app = FastAPI(
        title=f"modelyard: {dialect.title}",
        docs_url="/docs",
        redoc_url=None,
        dependencies=[Depends(check_parameters)],
        telemetry=telemetry(context.settings),
    )
    app.state.context = context
    dialect.errors.install(app)
    install_document(app, dialect.bodies)
    limit_bodies(app, context.settings, dialect.uploads)
    for router in dialect.routers:
        app.include_router(router)
    return app
