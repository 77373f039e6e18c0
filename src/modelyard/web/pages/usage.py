"""An organization's usage against its subscription's limits: projects, users, versions, and
model requests this month (the limits the API enforces)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from modelyard.core.identity import organizations, subscriptions
from modelyard.core.identity import service as identity
from modelyard.core.identity.access import service as access
from modelyard.core.identity.schemas import OrganizationRead, Principal
from modelyard.core.observe import service as observe
from modelyard.db.types import utcnow
from modelyard.web.pages.common import read, signed_in
from modelyard.web.render import render


@dataclass(frozen=True)
class Gauge:
    name: str
    used: float
    limit: int | None


def _gauges(
    session: Session, principal: Principal, name: str
) -> tuple[OrganizationRead, list[Gauge]]:
    organization = identity.get_organization(session, principal, name)
    resources = organizations.organization_resource_usage(session, principal, name)
    plans = {s.name: s for s in subscriptions.list_subscriptions(session, principal)}
    plan = plans.get(organization.subscription)
    month = utcnow().strftime("%Y-%m")
    series = observe.organization_usage(session, principal, name, start_month=month)
    requests = sum(
        point.value
        for found in series
        if (found.object_type, found.metric) == ("model_version", "requests")
        for point in found.usage
    )
    return organization, [
        Gauge("Projects", resources.projects, plan.max_projects if plan else None),
        Gauge("Users", resources.users, plan.max_users if plan else None),
        Gauge("Model versions", resources.versions, plan.max_versions if plan else None),
        Gauge(
            "Model requests this month",
            requests,
            plan.max_requests_per_month if plan else None,
        ),
        Gauge("Models", resources.models, None),
        Gauge("Pipelines", resources.pipelines, None),
        Gauge("Connectors", resources.connectors, None),
    ]


async def usage_page(request: Request) -> Response:
    principal = access.require_account(await signed_in(request), "organizations.usage.get")
    name = str(request.path_params["organization"])
    organization, gauges = await read(request, lambda session: _gauges(session, principal, name))
    return render(
        request, "usage.html", title=f"Usage of {name}", organization=organization, gauges=gauges
    )
