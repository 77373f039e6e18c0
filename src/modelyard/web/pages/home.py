"""The home page: the caller's organizations and projects, and per project what it holds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from modelyard.core.identity import service as identity
from modelyard.core.identity.schemas import OrganizationRead, Principal, ProjectRead, ProjectRef
from modelyard.core.observe import metrics
from modelyard.core.serving import overview as serving_overview
from modelyard.db.types import utcnow
from modelyard.web.pages.common import read, signed_in
from modelyard.web.pages.permitted import permitted_project
from modelyard.web.render import render


@dataclass
class Counts:
    """What the home page shows of one project."""

    project: ProjectRead
    visible: bool = False
    models: int = 0
    versions: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    failed: int = 0
    waiting: int = 0


def _last_day(session: Session, project: ProjectRef, metric: str) -> int:
    end = utcnow()
    points = metrics.metric_values(
        session,
        project,
        metric,
        object_type="model_version",
        start_time=(end - timedelta(hours=24)).isoformat(),
        end_time=end.isoformat(),
        interval="hour",
    )
    return round(sum(point.value for point in points))


def count(session: Session, project: ProjectRef, counts: Counts) -> Counts:
    overview = serving_overview.project_overview(session, project)
    counts.visible = True
    counts.models = overview.models
    counts.versions = Counter(overview.versions)
    counts.waiting = overview.batch_waiting
    counts.requests = _last_day(session, project, "requests")
    counts.failed = counts.requests - _last_day(session, project, "outputs")
    return counts


async def home(request: Request) -> Response:
    principal = await signed_in(request)
    organizations, projects = await read(request, lambda session: _listing(session, principal))
    shown = []
    for project in projects:
        counts = Counts(project)
        ref = await permitted_project(request, principal, project.name, "models.list")
        if ref is not None:
            counts = await read(request, partial(count, project=ref, counts=counts))
        shown.append(counts)
    return render(request, "home.html", title="Home", organizations=organizations, projects=shown)


def _listing(
    session: Session, principal: Principal
) -> tuple[list[OrganizationRead], list[ProjectRead]]:
    return identity.list_organizations(session, principal), identity.list_projects(
        session, principal
    )
