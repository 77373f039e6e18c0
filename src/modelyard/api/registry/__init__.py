"""The Models registry dialect (the GEMINI-Breeding framework's Models API), mounted at
``/api/models`` (issue 10)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from modelyard.api.context import AppContext
from modelyard.api.dialect import Dialect, create_dialect_app
from modelyard.api.limits import Upload
from modelyard.api.registry.errors import BODIES, RENDERERS
from modelyard.api.registry.routes import files, models, records

MOUNT = "/api/models"


UPLOADS = (Upload("POST", r"/id/[^/]+/records$"), Upload("POST", r"/id/[^/]+/records/bulk/?$"))
"""A record with its file (multipart), and records in bulk (ndjson)."""


ROUTES = (models, records, files)


def create_registry_app(context: AppContext) -> FastAPI:
    """The Models registry sub-application."""
    dialect = Dialect(
        "Models registry",
        [module.router for module in ROUTES],
        BODIES,
        RENDERERS,
        UPLOADS,
    )
    return create_dialect_app(context, dialect)


class AtMountPoint:
    """Serves ``/api/models`` itself (no trailing slash) as the sub-application's ``/``:
    a mount only matches below its path, and the framework answers both forms without a
    redirect."""

    def __init__(self, app: ASGIApp, mount: str) -> None:
        self.app = app
        self.mount = mount

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "") + self.mount
        inner = {**scope, "root_path": root, "path": root + "/", "raw_path": (root + "/").encode()}
        await self.app(inner, receive, send)


def mount_registry(app: FastAPI, context: AppContext) -> FastAPI:
    """Mount the registry at ``/api/models``, answering with and without the slash."""
    registry = create_registry_app(context)
    app.mount(MOUNT, registry)
    app.router.routes.append(Route(MOUNT, AtMountPoint(registry, MOUNT), include_in_schema=False))
    return registry
