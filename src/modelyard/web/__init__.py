"""The dashboard: server-rendered pages over the same core services and permission checks as
the API, served by ``modelyard serve`` at ``/ui`` (and ``/`` sends a browser there).

``create_server`` is what ``modelyard serve`` runs: the API of ``create_app`` with the
dashboard mounted on it. The dashboard builds on the API's helpers (its context, permission
checks, body limits), so it is mounted from here and the API never imports it.

Pages are thin like routes: they resolve the signed-in principal (``session.py``), ask
``api/permissions`` for the project exactly as the dialects do, call one core service and
render a template. Assets are this package's own files; nothing is loaded from the internet.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from modelyard.api.app import create_app
from modelyard.api.context import AppContext
from modelyard.settings import Settings
from modelyard.web.app import create_dashboard

MOUNT = "/ui"


async def _to_dashboard(_: Request) -> Response:
    return RedirectResponse(f"{MOUNT}/", status_code=303)


def mount_dashboard(app: FastAPI, context: AppContext) -> None:
    """Serve the dashboard at ``/ui`` and send ``/`` there."""
    app.mount(MOUNT, create_dashboard(context))
    app.router.routes.append(Route("/", _to_dashboard, include_in_schema=False))


def create_server(settings: Settings) -> FastAPI:
    """The whole server: every dialect and the dashboard (the database must be migrated)."""
    app = create_app(settings)
    mount_dashboard(app, app.state.context)
    return app
