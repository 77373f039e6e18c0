"""The model registry: its models with their experiments and runs, and a run's page with a
chart of record values over time.

The registry keeps records per model (a record names its model, dataset and experiment, not a
run), so a run's chart draws the records of the run's model: one line per numeric field of
``record_info`` and ``model_data``."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from modelyard.api.permissions import granted
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.tracking import records, service
from modelyard.core.tracking.schemas import RecordQuery, RunRead
from modelyard.errors import NotFound
from modelyard.web import charts
from modelyard.web.pages.common import project_scope, read
from modelyard.web.render import render
from modelyard.web.session import context_of

RECORDS_DRAWN = 5000


async def registry_page(request: Request) -> Response:
    scope = await project_scope(request, "tracking.models.list")

    def listing(session: Session) -> list[tuple[Any, Any, Any]]:
        return [
            (
                model,
                service.model_experiments(session, scope.project, str(model.id)),
                service.model_runs(session, scope.project, str(model.id)),
            )
            for model in service.all_models(session, scope.project)
        ]

    models = await read(request, listing)
    return render(request, "registry.html", title="Registry", scope=scope, models=models)


def _numbers(line: dict[str, Any]) -> dict[str, float]:
    found: dict[str, float] = {}
    for group in ("record_info", "model_data"):
        values = line.get(group) or {}
        if isinstance(values, dict):
            for key, value in values.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    found[f"{group}.{key}"] = float(value)
    return found


def series_of(lines: list[dict[str, Any]]) -> dict[str, list[charts.Point]]:
    """Each numeric field's values over the records' timestamps, oldest first."""
    series: dict[str, list[charts.Point]] = defaultdict(list)
    for line in lines:
        at = datetime.fromisoformat(str(line["timestamp"]).replace("Z", "+00:00"))
        for name, value in _numbers(line).items():
            series[name].append(charts.Point(at, value))
    return {name: sorted(points, key=lambda p: p.at) for name, points in sorted(series.items())}


def _run_and_records(
    session: Session, engine: Engine, project: ProjectRef, model_id: str, run_id: str
) -> tuple[RunRead, list[dict[str, Any]]]:
    run = next(
        (r for r in service.model_runs(session, project, model_id) if str(r.id) == run_id), None
    )
    if run is None:
        raise NotFound(f"No run '{run_id}' of model '{model_id}'", field="run_id")
    chunks = records.open_stream(session, engine, project, model_id, RecordQuery())
    lines = [json.loads(line) for line in b"".join(chunks).splitlines() if line.strip()]
    return run, lines[-RECORDS_DRAWN:]


async def run_page(request: Request) -> Response:
    scope = await project_scope(request, "tracking.runs.get")
    await granted(context_of(request), scope.principal, scope.name, "tracking.records.list")
    model_id, run_id = str(request.path_params["model_id"]), str(request.path_params["run_id"])
    engine = context_of(request).engine
    run, lines = await read(
        request, lambda session: _run_and_records(session, engine, scope.project, model_id, run_id)
    )
    drawn: dict[str, Markup] = {
        name: charts.line(name, points) for name, points in series_of(lines).items()
    }
    return render(
        request,
        "run.html",
        title=f"Run {run.id}",
        scope=scope,
        run=run,
        charts=drawn,
        count=len(lines),
    )


async def compare_page(request: Request) -> Response:
    """Runs of one model side by side: each key of their ``model_run_info`` a row."""
    scope = await project_scope(request, "tracking.runs.list")
    model_id = str(request.path_params["model_id"])
    wanted = request.query_params.getlist("run")
    runs = await read(request, lambda session: service.model_runs(session, scope.project, model_id))
    chosen = [run for run in runs if str(run.id) in wanted] if wanted else runs
    keys = sorted({key for run in chosen for key in (run.model_run_info or {})})
    return render(
        request, "compare.html", title="Compare runs", scope=scope, runs=chosen, keys=keys
    )
