"""Batch requests at volume: the queue's own overhead, then 100,000 requests through a model.

Part 1 (in process, no model): enqueue N jobs in calls of 250, then let one ``Worker`` with a
no-op handler claim and complete them all; reports jobs/s for each and the process's peak RSS.
This is the queue's overhead per request, the number DESIGN §4 asks to stay off the critical path.

Part 2 (end to end): ``modelyard serve`` on a fresh SQLite data directory, a no-op plain model
with ``maximum_instances`` 2, N batch requests created over HTTP in calls of 250 (the API's
limit), then polled until none is pending or processing. Reports the time to accept, the time
to complete, the server's peak RSS (VmHWM of the server process) and checks in the database that
every request completed exactly once with its own input echoed back.

    PYTHONPATH=src python bench/batch.py                  # N = 100,000 (about 10 minutes)
    PYTHONPATH=src python bench/batch.py --count 5000     # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploy import Modelyard
from processes import free_port, start_server, stop_server, wait_for_line, wait_until_listening

from modelyard.core.identity import service as identity
from modelyard.core.jobs import service as jobs
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome
from modelyard.core.jobs.worker import Worker
from modelyard.db import migrate
from modelyard.db.engine import make_engine, make_session_factory, transaction
from modelyard.db.tables import JobRow

BENCH = Path(__file__).resolve().parent
BEGIN, END = "<!-- results:batch -->", "<!-- /results:batch -->"
CALL_SIZE = 250


def queue_overhead(count: int, workdir: Path) -> dict[str, float]:
    """Enqueue, claim and complete ``count`` jobs with a handler that does nothing."""
    engine = make_engine(f"sqlite:///{workdir / 'queue.db'}")
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        issued = identity.bootstrap(session, admin_email="bench@modelyard.local")
        assert issued is not None
        principal = identity.authenticate(session, issued.token)
        project = identity.project_scope(session, principal, "default")
    started = time.perf_counter()
    for first in range(0, count, CALL_SIZE):
        payloads = [{"data": f"r{n}"} for n in range(first, min(count, first + CALL_SIZE))]
        with transaction(sessions) as session:
            jobs.enqueue(
                session,
                kind="bench.noop",
                project_id=project.id,
                subject_id=None,
                payloads=payloads,
            )
    enqueued = time.perf_counter() - started

    def noop(job: ClaimedJob) -> JobOutcome:
        return JobOutcome(True, result=job.payload["data"])

    worker = Worker(sessions, {"bench.noop": noop}, concurrency=64, poll_seconds=0.01)
    started = time.perf_counter()
    worker.start()
    while done_count(sessions) < count:
        time.sleep(0.2)
    completed = time.perf_counter() - started
    worker.stop()
    engine.dispose()
    return {
        "count": count,
        "enqueue_per_s": count / enqueued,
        "claim_complete_per_s": count / completed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def done_count(sessions: Any) -> int:
    with transaction(sessions) as session:
        query = select(func.count()).select_from(JobRow).where(JobRow.status == "succeeded")
        return int(session.scalar(query) or 0)


def end_to_end(count: int, workdir: Path) -> dict[str, Any]:
    """``count`` batch requests through a no-op model on a real server."""
    port, data_dir = free_port(), workdir / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    command = [
        sys.executable,
        "-m",
        "modelyard",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    server = start_server("modelyard", command, port=port, log_path=workdir / "server.log", env=env)
    try:
        token = wait_for_line(server, "Token ", timeout=60).split()[1]
        wait_until_listening(server, "/v2.1/status", timeout=60)
        api = Modelyard.connect(server.url, token)
        api.deploy("noop", minimum=1, maximum=2)
        accepted, accept_s = submit(api, count)
        started = time.perf_counter()
        peak = watch_until_done(server.pid, data_dir / "modelyard.db", count)
        complete_s = time.perf_counter() - started
        check = verify(data_dir / "modelyard.db", accepted)
    finally:
        stop_server(server)
    return {
        "count": count,
        "accept_s": accept_s,
        "accept_per_s": count / accept_s,
        "complete_s": complete_s,
        "complete_per_s": count / complete_s,
        "server_peak_rss_mb": peak,
        **check,
    }


def submit(api: Modelyard, count: int) -> tuple[dict[str, str], float]:
    accepted: dict[str, str] = {}
    started = time.perf_counter()
    for first in range(0, count, CALL_SIZE):
        items = [f"r{n}" for n in range(first, min(count, first + CALL_SIZE))]
        created = api.call("POST", f"{api.version_path('noop')}/request-batch", json=items)
        accepted.update({entry["id"]: item for entry, item in zip(created, items, strict=True)})
    return accepted, time.perf_counter() - started


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def watch_until_done(pid: int, database: Path, count: int, timeout: float = 7200) -> float:
    engine = create_engine(f"sqlite:///{database}")
    deadline, peak = time.monotonic() + timeout, 0.0
    try:
        while time.monotonic() < deadline:
            peak = max(peak, vm_hwm_mb(pid))
            with engine.connect() as connection:
                open_jobs = connection.execute(
                    text("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")
                ).scalar_one()
            if open_jobs == 0:
                return max(peak, vm_hwm_mb(pid))
            time.sleep(1)
    finally:
        engine.dispose()
    raise RuntimeError(f"requests still open after {timeout:g} s")


def verify(database: Path, accepted: dict[str, str]) -> dict[str, Any]:
    """Every accepted request exactly once, completed, its own input echoed back."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, status, result FROM jobs")).all()
    finally:
        engine.dispose()
    found = {str(uuid.UUID(str(row[0]))): (row[1], row[2]) for row in rows}
    lost = [i for i in accepted if i not in found]
    wrong = [
        i
        for i, data in accepted.items()
        if i in found and found[i] != ("succeeded", json.dumps(data))
    ]
    return {"lost": len(lost), "not_completed_or_wrong": len(wrong), "rows": len(rows)}


def render(queue: dict[str, float], e2e: dict[str, Any], stamp: str | None = None) -> str:
    stamp = stamp or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    span = e2e["accept_s"] + e2e["complete_s"]
    rate = e2e["count"] / span
    return f"""Run {stamp}, {os.cpu_count()} CPUs, SQLite, Python {sys.version.split()[0]}.

| queue alone ({queue["count"]:,} jobs, no model) | value |
|---|---:|
| enqueue, in calls of 250 | {queue["enqueue_per_s"]:,.0f} jobs/s |
| claim + complete, one worker, 64 slots | {queue["claim_complete_per_s"]:,.0f} jobs/s |
| peak RSS of the process | {queue["peak_rss_mb"]:,.0f} MB |

| end to end ({e2e["count"]:,} batch requests, no-op model, maximum_instances 2) | value |
|---|---:|
| accepted over HTTP in calls of 250 | {e2e["accept_s"]:,.1f} s ({e2e["accept_per_s"]:,.0f}/s) |
| completed after acceptance | {e2e["complete_s"]:,.1f} s ({e2e["complete_per_s"]:,.0f}/s) |
| first call to last completion (acceptance and work overlap) | {span:,.1f} s ({rate:,.0f}/s) |
| server peak RSS (VmHWM) | {e2e["server_peak_rss_mb"]:,.0f} MB |
| lost / not completed or wrong result | {e2e["lost"]} / {e2e["not_completed_or_wrong"]} |

Target (DESIGN §4, issue 4): the queue is not the bottleneck (≥ 5,000 claim+complete/s on SQLite):
**{"met" if queue["claim_complete_per_s"] >= 5000 else "not met"}**; no request lost:
**{"met" if e2e["lost"] == 0 and e2e["not_completed_or_wrong"] == 0 else "not met"}**."""


def update_readme(section: str) -> None:
    readme = BENCH / "README.md"
    text = readme.read_text()
    block = f"{BEGIN}\n{section}\n{END}"
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Batch requests: `batch.py`\n\n" + block + "\n"
    readme.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelyard-bench-batch-") as scratch:
        queue = queue_overhead(args.count, Path(scratch))
        print(json.dumps(queue), flush=True)
        e2e = end_to_end(args.count, Path(scratch))
        print(json.dumps(e2e), flush=True)
    section = render(queue, e2e)
    print(section)
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    (results / f"batch-{int(time.time())}.json").write_text(
        json.dumps({"queue": queue, "e2e": e2e})
    )
    if not args.no_readme:
        update_readme(section)


if __name__ == "__main__":
    main()
