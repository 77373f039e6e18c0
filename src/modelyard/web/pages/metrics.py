"""Charts of a version's (or the whole project's) requests, failed requests, latency and
instances per minute, hour or day, read with the seed's metrics service."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.observe import metrics
from modelyard.core.observe.schemas import MetricPoint
from modelyard.core.serving import service as serving
from modelyard.db.types import utcnow
from modelyard.errors import InvalidInput
from modelyard.web import charts
from modelyard.web.pages.common import project_scope, read
from modelyard.web.render import render

WINDOWS = {"minute": timedelta(hours=1), "hour": timedelta(hours=24), "day": timedelta(days=30)}


def _series(
    session: Session, project: ProjectRef, metric: str, interval: str, object_id: UUID | None
) -> list[MetricPoint]:
    end = utcnow()
    return metrics.metric_values(
        session,
        project,
        metric,
        object_type="model_version",
        start_time=(end - WINDOWS[interval]).isoformat(),
        end_time=end.isoformat(),
        interval=interval,
        object_id=str(object_id) if object_id else None,
    )


def instances_now(session: Session, project: ProjectRef, version_id: UUID) -> float:
    """The version's instances over the last full minute (the metric is sampled every 10 s)."""
    end = utcnow()
    points = metrics.metric_values(
        session,
        project,
        "instances",
        object_type="model_version",
        start_time=(end - timedelta(minutes=2)).isoformat(),
        end_time=end.isoformat(),
        interval="minute",
        object_id=str(version_id),
    )
    return max((point.value for point in points), default=0.0)


def _charts(
    session: Session, project: ProjectRef, interval: str, model: str, version: str
) -> dict[str, Markup]:
    object_id = serving.get_version(session, project, model, version).id if version else None
    read_series = {
        name: _series(session, project, name, interval, object_id)
        for name in ("requests", "outputs", "compute", "instances")
    }
    requests, outputs = read_series["requests"], read_series["outputs"]
    compute, instances = read_series["compute"], read_series["instances"]

    def points(values: list[float]) -> list[charts.Point]:
        return [charts.Point(p.start_time, v) for p, v in zip(requests, values, strict=True)]

    failed = [r.value - o.value for r, o in zip(requests, outputs, strict=True)]
    latency = [
        1000 * c.value / r.value if r.value else 0.0 for c, r in zip(compute, requests, strict=True)
    ]
    return {
        "Requests": charts.bars("Requests", points([p.value for p in requests])),
        "Failed requests": charts.bars("Failed requests", points(failed)),
        "Mean latency (ms)": charts.bars("Mean latency (ms)", points(latency)),
        "Instances": charts.bars("Instances", points([p.value for p in instances])),
    }


async def metrics_page(request: Request) -> Response:
    scope = await project_scope(request, "metrics.get")
    interval = request.query_params.get("interval", "minute")
    if interval not in WINDOWS:
        raise InvalidInput(f"must be one of {', '.join(WINDOWS)}", field="interval")
    model = request.query_params.get("model", "").strip()
    version = request.query_params.get("version", "").strip() if model else ""
    drawn = await read(
        request, lambda session: _charts(session, scope.project, interval, model, version)
    )
    models = await read(request, lambda session: serving.list_models(session, scope.project))
    template = "_charts.html" if request.headers.get("x-partial") else "metrics.html"
    return render(
        request,
        template,
        title="Metrics",
        scope=scope,
        charts=drawn,
        intervals=list(WINDOWS),
        interval=interval,
        model=model,
        version=version,
        models=models,
    )
