"""The dashboard application: its pages, its own assets, and its error pages."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from modelyard.api.context import AppContext
from modelyard.errors import DomainError
from modelyard.web.pages import auth, home, logs, metrics, models, registry, requests, tabular, tail
from modelyard.web.render import HERE, domain_error, not_found

PROJECT = "/projects/{project}"
VERSION = PROJECT + "/models/{model}/versions/{version}"

ROUTES = [
    Route("/", home.home),
    Route("/signin", auth.signin_page, methods=["GET"]),
    Route("/signin", auth.signin, methods=["POST"]),
    Route("/signout", auth.signout, methods=["POST"]),
    Route(PROJECT + "/models", models.models_page, methods=["GET"]),
    Route(PROJECT + "/models", models.model_create, methods=["POST"]),
    Route(PROJECT + "/models/{model}", models.model_page, methods=["GET"]),
    Route(PROJECT + "/models/{model}/versions", models.version_create, methods=["POST"]),
    Route(VERSION, models.version_page, methods=["GET"]),
    Route(VERSION + "/build", models.build_partial, methods=["GET"]),
    Route(VERSION + "/upload", models.upload, methods=["POST"]),
    Route(VERSION + "/request", requests.make_request, methods=["POST"]),
    Route(PROJECT + "/logs", logs.logs_page, methods=["GET"]),
    Route(PROJECT + "/logs/tail", tail.tail, methods=["GET"]),
    Route(PROJECT + "/metrics", metrics.metrics_page, methods=["GET"]),
    Route(PROJECT + "/tabular", tabular.tabular_page, methods=["GET"]),
    Route(PROJECT + "/tabular", tabular.model_create, methods=["POST"]),
    Route(PROJECT + "/tabular/{model_id}/dataset", tabular.upload_csv, methods=["POST"]),
    Route(PROJECT + "/registry", registry.registry_page, methods=["GET"]),
    Route(PROJECT + "/registry/{model_id}/runs/{run_id}", registry.run_page, methods=["GET"]),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]


def create_dashboard(context: AppContext) -> Starlette:
    app = Starlette(
        routes=ROUTES,
        exception_handlers={DomainError: domain_error, 404: not_found},
    )
    app.state.context = context
    app.state.signin_throttle = auth.new_throttle(context.settings)
    return app
