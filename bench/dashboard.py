"""The dashboard's pages on a busy project: 1,000 models and 100,000 requests.

Seeds a fresh SQLite database in process (1,000 models with one version each; 100,000 requests
as they leave traces: 100,000 completed batch requests spread over 10 versions, one log line
each, and the per-minute metric rows that count them over the last 24 hours), then starts
``modelyard serve`` on it and times each page over HTTP, signed in with the session cookie:
a few warm-up loads, then ``--repeat`` loads one after another; reports p50 and p95 in ms.

    PYTHONPATH=src python bench/dashboard.py               # writes bench/README.md's section
    PYTHONPATH=src python bench/dashboard.py --models 100 --requests 10000 --no-readme
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, update

sys.path.insert(0, str(Path(__file__).resolve().parent))

from processes import free_port, start_server, stop_server, wait_until_listening
from report import machine, update_readme

from modelyard.core.identity import service as identity
from modelyard.core.serving import batch
from modelyard.core.serving import service as serving
from modelyard.core.serving.schemas import ModelCreate, VersionCreate
from modelyard.db import migrate
from modelyard.db.engine import make_engine, make_session_factory, transaction
from modelyard.db.tables import JobRow, LogRow, MetricRow
from modelyard.db.types import utcnow

BEGIN, END = "<!-- results:dashboard -->", "<!-- /results:dashboard -->"
BUSY_VERSIONS = 10
BUDGET_MS = 100.0


def seed(database: Path, *, models: int, requests: int) -> str:
    """The database with its administrator; returns the administrator's token."""
    engine = make_engine(f"sqlite:///{database}")
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        issued = identity.bootstrap(session, admin_email="bench@modelyard.local")
        assert issued is not None
        principal = identity.authenticate(session, issued.token)
        project = identity.project_scope(session, principal, "default")
        versions = []
        for number in range(models):
            name = f"model-{number:04d}"
            serving.create_model(
                session, project, ModelCreate(name=name, input_type="plain", output_type="plain")
            )
            versions.append(
                (name, serving.create_version(session, project, name, VersionCreate(version="v1")))
            )
    busy = versions[:BUSY_VERSIONS]
    now = utcnow()
    per_version = requests // len(busy)
    with transaction(sessions) as session:
        for name, version in busy:
            jobs, logs = [], []
            for index in range(per_version):
                at = now - timedelta(seconds=86_000 * index / per_version)
                job_id = uuid.uuid4()
                jobs.append(
                    {
                        "id": job_id,
                        "kind": batch.KIND,
                        "project_id": project.id,
                        "subject_id": version.id,
                        "status": "succeeded",
                        "payload": {"data": index},
                        "result": index,
                        "created_at": at,
                        "updated_at": at,
                        "run_after": at,
                        "finished_at": at,
                    }
                )
                logs.append(
                    {
                        "project_id": project.id,
                        "date": at,
                        "log": f"answered {index}",
                        "model_name": name,
                        "model_version": "v1",
                        "request_id": str(job_id),
                    }
                )
            session.execute(insert(JobRow), jobs)
            session.execute(insert(LogRow), logs)
            minutes = 1440
            rows = []
            for minute in range(minutes):
                bucket = (now - timedelta(minutes=minute)).replace(second=0, microsecond=0)
                for metric in ("requests", "outputs"):
                    rows.append(
                        {
                            "organization_id": project.organization_id,
                            "project_id": project.id,
                            "object_type": "model_version",
                            "object_id": version.id,
                            "metric": metric,
                            "bucket": bucket,
                            "value": per_version / minutes,
                        }
                    )
            session.execute(insert(MetricRow), rows)
        session.execute(update(JobRow).values(status="succeeded"))
    engine.dispose()
    return issued.token


def timed(client: httpx.Client, path: str, repeat: int) -> dict[str, float]:
    for _ in range(3):
        answer = client.get(path)
        answer.raise_for_status()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
        "bytes": len(answer.content),
    }


PAGES = {
    "home (counts of every project)": "/ui/",
    "models (100 of 1,000 per page)": "/ui/projects/default/models",
    "a model and its versions": "/ui/projects/default/models/model-0000",
    "a busy version (batch list, build, variables)": (
        "/ui/projects/default/models/model-0000/versions/v1"
    ),
    "logs (200 newest of 100,000)": "/ui/projects/default/logs",
    "logs of one request": "/ui/projects/default/logs?request_id={request_id}",
    "metrics, whole project, per hour": "/ui/projects/default/metrics?interval=hour",
    "metrics, one version, per minute": (
        "/ui/projects/default/metrics?model=model-0000&version=v1&interval=minute"
    ),
}


def run(models: int, requests: int, repeat: int, workdir: Path) -> dict[str, dict[str, float]]:
    data = workdir / "data"
    data.mkdir()
    database = data / "modelyard.db"
    started = time.perf_counter()
    token = seed(database, models=models, requests=requests)
    print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
    port = free_port()
    server = start_server(
        "modelyard",
        [sys.executable, "-m", "modelyard", "serve", "--port", str(port), "--data-dir", str(data)],
        port=port,
        log_path=workdir / "server.log",
        env={"MODELYARD_DATABASE_URL": f"sqlite:///{database}"},
    )
    try:
        wait_until_listening(server, "/v2.1/status", 60)
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, cookies={"modelyard_session": token}) as client:
            lines = client.post(
                "/v2.1/projects/default/logs",
                json={"filters": {}, "limit": 1},
                headers={"Authorization": f"Token {token}"},
            ).json()
            request_id = lines[0]["request_id"] if lines else ""
            results = {}
            for name, path in PAGES.items():
                results[name] = timed(client, path.format(request_id=request_id), repeat)
                print(f"{name}: {results[name]}", flush=True)
    finally:
        stop_server(server)
    return results


def section(results: dict[str, dict[str, float]], models: int, requests: int) -> str:
    facts = machine()
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {facts.get('nproc')} CPUs, "
        f"SQLite, Python {facts.get('python')}; {models:,} models, {requests:,} requests "
        "(batch requests, log lines and metric rows).",
        "",
        "| page | p50 ms | p95 ms | KB |",
        "|---|---:|---:|---:|",
    ]
    for name, found in results.items():
        lines.append(
            f"| {name} | {found['p50']:.1f} | {found['p95']:.1f} | {found['bytes'] / 1024:.0f} |"
        )
    worst = max(found["p50"] for found in results.values())
    verdict = "**met**" if worst < BUDGET_MS else f"**not met** (slowest p50 {worst:.0f} ms)"
    lines += ["", f"Target (issue 21): every page under {BUDGET_MS:.0f} ms (p50): {verdict}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-readme", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelyard-dashboard-bench-") as scratch:
        results = run(options.models, options.requests, options.repeat, Path(scratch))
    text = section(results, options.models, options.requests)
    print(text)
    if not options.no_readme:
        update_readme(text, begin=BEGIN, end=END)


if __name__ == "__main__":
    main()
