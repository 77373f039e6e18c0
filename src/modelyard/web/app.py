"""The dashboard application: its pages, its own assets, and its error pages."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from modelyard.api.context import AppContext
from modelyard.api.limits import MB, BodyLimit, BodyLimits, Upload
from modelyard.errors import DomainError
from modelyard.web.pages import (
    auth,
    environment,
    home,
    leia,
    lightly,
    logs,
    metrics,
    models,
    pipelines,
    registry,
    requests,
    settings,
    tabular,
    tail,
    usage,
)
from modelyard.web.render import HERE, domain_error, http_error
from modelyard.web.session import SESSION_COOKIE

PROJECT = "/projects/{project}"
VERSION = PROJECT + "/models/{model}/versions/{version}"

ROUTES = [
    Route("/", home.home),
    Route("/signin", auth.signin_page, methods=["GET"]),
    Route("/signin", auth.signin, methods=["POST"]),
    Route("/signout", auth.signout, methods=["POST"]),
    Route("/organizations/{organization}/usage", usage.usage_page, methods=["GET"]),
    Route(PROJECT + "/models", models.models_page, methods=["GET"]),
    Route(PROJECT + "/models", models.model_create, methods=["POST"]),
    Route(PROJECT + "/models/{model}", models.model_page, methods=["GET"]),
    Route(PROJECT + "/models/{model}/versions", models.version_create, methods=["POST"]),
    Route(VERSION, models.version_page, methods=["GET"]),
    Route(VERSION + "/build", models.build_partial, methods=["GET"]),
    Route(VERSION + "/upload", models.upload, methods=["POST"]),
    Route(VERSION + "/request", requests.make_request, methods=["POST"]),
    Route(VERSION + "/environment-variables", environment.variable_create, methods=["POST"]),
    Route(PROJECT + "/logs", logs.logs_page, methods=["GET"]),
    Route(PROJECT + "/logs/tail", tail.tail, methods=["GET"]),
    Route(PROJECT + "/metrics", metrics.metrics_page, methods=["GET"]),
    Route(PROJECT + "/leia", leia.leia_page, methods=["GET"]),
    Route(PROJECT + "/lightly", lightly.lightly_page, methods=["GET"]),
    Route(PROJECT + "/lightly/{dataset_id}/files", lightly.files_page, methods=["GET"]),
    Route(PROJECT + "/pipelines", pipelines.pipelines_page, methods=["GET"]),
    Route(PROJECT + "/pipelines/{pipeline}", pipelines.pipeline_page, methods=["GET"]),
    Route(PROJECT + "/pipelines/{pipeline}/request", pipelines.pipeline_request, methods=["POST"]),
    Route(PROJECT + "/settings", settings.settings_page, methods=["GET"]),
    Route(PROJECT + "/settings/service-users", settings.service_user_create, methods=["POST"]),
    Route(PROJECT + "/settings/role-assignments", settings.assignment_create, methods=["POST"]),
    Route(PROJECT + "/tabular", tabular.tabular_page, methods=["GET"]),
    Route(PROJECT + "/tabular", tabular.model_create, methods=["POST"]),
    Route(PROJECT + "/tabular/{model_id}/dataset", tabular.upload_csv, methods=["POST"]),
    Route(PROJECT + "/tabular/{model_id}/train", tabular.train, methods=["POST"]),
    Route(PROJECT + "/tabular/{model_id}/predict", tabular.predict, methods=["POST"]),
    Route(PROJECT + "/registry", registry.registry_page, methods=["GET"]),
    Route(PROJECT + "/registry/{model_id}/runs/{run_id}", registry.run_page, methods=["GET"]),
    Route(PROJECT + "/registry/{model_id}/compare", registry.compare_page, methods=["GET"]),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]


UPLOADS = (
    Upload("POST", r"/versions/[^/]+/upload$"),
    Upload("POST", r"/tabular/[^/]+/dataset$"),
)
"""Deployment packages and CSVs: multipart files, spooled to disk."""


@dataclass(frozen=True)
class DashboardLimits(BodyLimits):
    """The API's body limits, an upload's for a signed-in browser (its session cookie is its
    credential) on an upload page, the small one for everything else."""

    def for_request(self, scope: Scope) -> tuple[int, str]:
        cookie = b"".join(value for name, value in scope.get("headers", ()) if name == b"cookie")
        signed_in = SESSION_COOKIE.encode() + b"=" in cookie
        if signed_in and any(u.matches(scope["method"], scope["path"]) for u in self.uploads):
            return self.upload_mb * MB, "MODELYARD_MAX_UPLOAD_MB"
        return self.json_mb * MB, "MODELYARD_MAX_BODY_MB"


def create_dashboard(context: AppContext) -> Starlette:
    settings = context.settings
    limits = DashboardLimits(settings.max_body_mb, settings.max_upload_mb, UPLOADS)
    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(BodyLimit, limits=limits)],
        exception_handlers={DomainError: domain_error, HTTPException: http_error},
    )
    app.state.context = context
    app.state.signin_throttle = auth.new_throttle(context.settings)
    return app
