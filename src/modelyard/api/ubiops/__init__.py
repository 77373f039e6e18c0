"""The UbiOps CoreApi v2.1 dialect, mounted at ``/v2.1``."""

from __future__ import annotations

from fastapi import FastAPI

from modelyard.api.context import AppContext
from modelyard.api.dialect import Dialect, create_dialect_app
from modelyard.api.limits import Upload
from modelyard.api.ubiops.errors import BODIES, RENDERERS
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


ROUTES = (
    requests,  # matched in this order, one router at a time: the hottest path first
    versions,
    models,
    status,
    authorize,
    user,
    organizations,
    organization_users,
    subscriptions,
    projects,
    resources,
    blobs,
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
)


def create_ubiops_app(context: AppContext) -> FastAPI:
    """The UbiOps sub-application, with the sign-in limits of this process."""
    dialect = Dialect(
        "UbiOps v2.1",
        [module.router for module in ROUTES],
        BODIES,
        RENDERERS,
        UPLOADS,
    )
    app = create_dialect_app(context, dialect)
    app.state.signin_throttle = SignInThrottle(signin_limits(context.settings))
    return app
