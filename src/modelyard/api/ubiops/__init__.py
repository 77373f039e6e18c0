"""The UbiOps CoreApi v2.1 dialect, mounted at ``/v2.1``."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from modelyard.api.context import AppContext
from modelyard.api.limits import Upload, limit_bodies
from modelyard.api.openapi import install_document
from modelyard.api.ubiops.errors import BODIES, install_error_handlers
from modelyard.api.ubiops.routes import (
    authorize,
    batch,
    blobs,
    connectors,
    environment,
    logs,
    metrics,
    models,
    organization_users,
    organizations,
    permissions,
    pipeline_requests,
    pipelines,
    projects,
    requests,
    resources,
    role_assignments,
    roles,
    schedules,
    service_users,
    status,
    subscriptions,
    usage,
    user,
    versions,
)
from modelyard.api.validation import check_parameters
from modelyard.core.identity.throttle import SignInLimits, SignInThrottle
from modelyard.settings import Settings

UPLOADS = (
    Upload("PUT", r"/versions/[^/]+/upload$"),
    Upload("POST", r"/projects/[^/]+/blobs$"),
)
"""Packages and blobs: multipart files, spooled to disk."""


def signin_limits(settings: Settings) -> SignInLimits:
    return SignInLimits(
        failures_per_email=settings.signin_failures_per_email,
        failures_per_address=settings.signin_failures_per_address,
        window=float(settings.signin_window_seconds),
    )


def create_ubiops_app(context: AppContext) -> FastAPI:
    """The UbiOps sub-application: its routes, its error envelope and the sign-in limits."""
    app = FastAPI(
        title="modelyard: UbiOps v2.1",
        docs_url="/docs",
        redoc_url=None,
        dependencies=[Depends(check_parameters)],
    )
    app.state.context = context
    app.state.signin_throttle = SignInThrottle(signin_limits(context.settings))
    install_error_handlers(app)
    install_document(app, BODIES)
    limit_bodies(app, context.settings, UPLOADS)
    for module in (
        status,
        authorize,
        user,
        organizations,
        organization_users,
        subscriptions,
        projects,
        resources,
        blobs,
        models,
        versions,
        requests,
        batch,
        schedules,
        environment,
        connectors,
        pipelines,
        pipeline_requests,
        logs,
        metrics,
        usage,
        permissions,
        roles,
        role_assignments,
        service_users,
    ):
        app.include_router(module.router)
    return app
