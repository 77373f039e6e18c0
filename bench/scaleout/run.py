"""The celery executor's cost and its scaling, on this machine (issue 20).

In one run: PostgreSQL (a fresh database on ``--postgres``), RabbitMQ (``--broker``), a moto S3
server on loopback; ``modelyard serve`` in celery mode and one or two ``modelyard worker``
processes, each with a data directory of its own; and, for comparison, ``modelyard serve`` with
the embedded default (local executor, SQLite). It measures

1. overhead: a no-op model at c=1 and c=32 (wrk), local vs celery with one worker: p50, p99,
   requests/s, and the API server's CPU per request (its own process only: in celery mode the
   instances run on the worker);
2. scaling: a model that sleeps 50 ms, 2 instances per worker, 1 worker vs 2: direct requests
   (wrk, c=32) and a batch drain;
3. zero loss: a batch through two workers, one killed with SIGKILL (its process group) at
   about 30%: completed, wrong, lost, run again, time to finish;
4. cold start from zero instances (the first request to a version with ``minimum_instances 0``:
   the controller places an instance, the worker builds or reuses the environment and starts it).

Run from the repository root (PostgreSQL, RabbitMQ and wrk on the machine)::

    PYTHONPATH=src .venv/bin/python bench/scaleout/run.py [--no-readme] [--duration S]
        [--batch N] [--loss-batch N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH_DIR))

import boto3  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from deploy import Modelyard, package_zip  # noqa: E402
from load import Target, run_wrk  # noqa: E402
from processes import (  # noqa: E402
    Server,
    free_port,
    process_cpu,
    start_server,
    stop_server,
    wait_for_line,
    wait_until_listening,
)
from report import REPO_DIR, machine, update_readme  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

BEGIN, END = "<!-- results:scaleout -->", "<!-- /results:scaleout -->"
SLEEPY = """\
import time


class Model:
    def __init__(self, base_directory, context):
        pass

    def request(self, data):
        time.sleep(0.05)
        return data
"""
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--broker", default="amqp://guest:guest@127.0.0.1:5672//")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--batch", type=int, default=5000, help="batch size of the drain")
    parser.add_argument("--loss-batch", type=int, default=10000, help="batch of the kill test")
    parser.add_argument("--no-readme", action="store_true")
    return parser.parse_args()


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODELYARD_", "AWS_"))}
    paths = [str(REPO_DIR / "src"), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    name = f"modelyard_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def moto(scratch: Path) -> Iterator[str]:
    port = free_port()
    server = start_server(
        "moto",
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        port=port,
        log_path=scratch / "moto.log",
        env=base_env(),
    )
    try:
        wait_until_listening(server, "/moto-api/", timeout=30)
        yield server.url
    finally:
        stop_server(server)


class Bench:
    """The processes of one run, all stopped at the end."""

    def __init__(self, scratch: Path, stack: contextlib.ExitStack, cluster_env: dict[str, str]):
        self.scratch, self.stack, self.cluster_env = scratch, stack, cluster_env
        self.workers: list[Server] = []

    def serve(self, name: str, env: dict[str, str]) -> tuple[Server, str]:
        port = free_port()
        command = [sys.executable, "-m", "modelyard", "serve", "--port", str(port)]
        server = start_server(
            name,
            [*command, "--data-dir", str(self.scratch / name)],
            port=port,
            log_path=self.scratch / f"{name}.log",
            env=env,
        )
        self.stack.callback(stop_server, server)
        token = wait_for_line(server, "Token ", timeout=90).split()[1]
        wait_until_listening(server, "/v2.1/status", timeout=60)
        return server, token

    def worker(self, name: str) -> Server:
        command = [sys.executable, "-m", "modelyard", "worker"]
        server = start_server(
            name,
            [*command, "--data-dir", str(self.scratch / name)],
            port=0,
            log_path=self.scratch / f"{name}.log",
            env=self.cluster_env,
        )
        self.stack.callback(stop_server, server)
        self.workers.append(server)
        return server


class LoadSampler:
    """The machine's 1-minute load average once a second, summed up per part of the run (the
    machine is shared: the numbers say how busy it was while each part ran)."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self.parts: dict[str, tuple[float, float]] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        while not self.stopped.is_set():
            self.samples.append((time.monotonic(), os.getloadavg()[0]))
            self.stopped.wait(1)

    @contextlib.contextmanager
    def part(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.parts[name] = (started, time.monotonic())

    def summary(self) -> dict[str, dict[str, float]]:
        self.stopped.set()
        self.thread.join()
        found = {}
        for name, (start, end) in self.parts.items():
            values = [load for at, load in self.samples if start <= at <= end] or [
                os.getloadavg()[0]
            ]
            found[name] = {
                "seconds": end - start,
                "loadavg_min": min(values),
                "loadavg_mean": statistics.fmean(values),
                "loadavg_max": max(values),
            }
        return found


def query(url: str, statement: str, **values: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(statement), values).all())
    finally:
        engine.dispose()


def ready_instances(url: str, version_id: str) -> int:
    rows = query(
        url,
        "SELECT count(*) FROM placements WHERE version_id = :v AND ready_at IS NOT NULL",
        v=uuid.UUID(version_id),
    )
    return int(rows[0][0])


def wait_ready(url: str, version_id: str, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while ready_instances(url, version_id) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} instances of {version_id} were not ready in time")
        time.sleep(0.2)


def wait_workers(url: str, count: int, timeout: float = 60) -> None:
    """Until ``count`` workers heartbeat (a placement made before would miss the new one)."""
    deadline = time.monotonic() + timeout
    while int(query(url, "SELECT count(*) FROM workers")[0][0]) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} workers did not register in time")
        time.sleep(0.2)


def version_id(api: Modelyard, model: str) -> str:
    return str(api.call("GET", api.version_path(model))["id"])


def load(url: str, token: str, model: str, connections: int, seconds: float) -> dict[str, Any]:
    target = Target(
        model,
        f"{url}/v2.1/projects/default/models/{model}/versions/v1/request",
        f"Token {token}",
        '"success":true',
    )
    run_wrk(target, connections=connections, threads=1 if connections == 1 else 2, seconds=2)
    return run_wrk(
        target, connections=connections, threads=1 if connections == 1 else 2, seconds=seconds
    ).as_dict()


def overhead(
    name: str, server: Server, token: str, api: Modelyard, seconds: float
) -> dict[str, Any]:
    rows = {}
    for connections in (1, 32):
        before = process_cpu(server.pid)
        row = load(server.url, token, "noop", connections, seconds)
        used = process_cpu(server.pid) - before
        row["server_cpu_ms_per_request"] = 1000 * used / max(row["requests"], 1)
        rows[f"c{connections}"] = row
    return {"executor": name, **rows}


def submit(api: Modelyard, model: str, count: int) -> list[str]:
    ids: list[str] = []
    for start in range(0, count, 250):
        items = [f"r{n}" for n in range(start, min(start + 250, count))]
        created = api.call("POST", f"{api.version_path(model)}/request-batch", json=items)
        ids.extend(item["id"] for item in created)
    return ids


def job_counts(url: str, version: str) -> dict[str, int]:
    rows = query(
        url,
        "SELECT status, count(*) FROM jobs WHERE subject_id = :v GROUP BY status",
        v=uuid.UUID(version),
    )
    return {status: int(count) for status, count in rows}


def drain(api: Modelyard, url: str, model: str, count: int) -> dict[str, Any]:
    version = version_id(api, model)
    base = job_counts(url, version).get("succeeded", 0)
    started = time.perf_counter()
    submit(api, model, count)
    while job_counts(url, version).get("succeeded", 0) - base < count:
        if time.perf_counter() - started > 900:
            raise RuntimeError(f"the batch of {model} did not drain")
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    return {"count": count, "seconds": seconds, "per_second": count / seconds}


def scaling(
    bench: Bench, api: Modelyard, url: str, token: str, args: argparse.Namespace
) -> dict[str, Any]:
    api.deploy("sleepy", minimum=2, maximum=2, package=package_zip(model=SLEEPY))
    sleepy = version_id(api, "sleepy")
    wait_ready(url, sleepy, 2)
    one = {
        "direct": load(bench_url(api), token, "sleepy", 32, args.duration),
        "batch": drain(api, url, "sleepy", args.batch),
    }
    bench.worker("worker-2")
    wait_workers(url, 2)
    api.call(
        "PATCH", api.version_path("sleepy"), json={"minimum_instances": 4, "maximum_instances": 4}
    )
    wait_ready(url, sleepy, 4)
    two = {
        "direct": load(bench_url(api), token, "sleepy", 32, args.duration),
        "batch": drain(api, url, "sleepy", args.batch),
    }
    spread = query(
        url,
        "SELECT worker_id, count(*) FROM placements WHERE version_id = :v GROUP BY worker_id",
        v=uuid.UUID(sleepy),
    )
    return {"one_worker": one, "two_workers": two, "spread": sorted(int(c) for _, c in spread)}


def bench_url(api: Modelyard) -> str:
    return str(api.http.base_url).removesuffix("/v2.1").removesuffix("/v2.1/")


def zero_loss(bench: Bench, api: Modelyard, url: str, count: int) -> dict[str, Any]:
    api.deploy("lossless", minimum=2, maximum=2, package=package_zip())
    version = version_id(api, "lossless")
    wait_ready(url, version, 2)
    started = time.perf_counter()
    ids = submit(api, "lossless", count)
    while job_counts(url, version).get("succeeded", 0) < count * 0.3:
        time.sleep(0.05)
    victim = bench.workers[0]
    os.killpg(victim.pid, signal.SIGKILL)
    killed_at = time.perf_counter()
    while (
        job_counts(url, version).get("succeeded", 0) + job_counts(url, version).get("failed", 0)
        < count
    ):
        if time.perf_counter() - started > 900:
            break
        time.sleep(0.2)
    finished = time.perf_counter()
    rows = query(
        url,
        "SELECT id, status, result, attempts FROM jobs WHERE subject_id = :v",
        v=uuid.UUID(version),
    )
    by_id = {str(r[0]): r for r in rows}
    expected = {i: f"r{n}" for n, i in enumerate(ids)}
    completed = sum(1 for i in ids if by_id.get(i) and by_id[i][1] == "succeeded")
    wrong = sum(
        1
        for i, d in expected.items()
        if by_id.get(i) and by_id[i][1] == "succeeded" and by_id[i][2] != d
    )
    return {
        "count": count,
        "completed": completed,
        "wrong": wrong,
        "lost": count - len([i for i in ids if i in by_id]),
        "not_completed": count - completed,
        "run_again": sum(1 for r in rows if int(r[3]) > 1),
        "recorded": len(rows),
        "seconds_total": finished - started,
        "seconds_after_kill": finished - killed_at,
    }


def cold_start(api: Modelyard, warm_p50_ms: float) -> dict[str, Any]:
    api.deploy("cold", minimum=0, maximum=1, package=package_zip())
    started = time.perf_counter()
    api.request("cold")
    first = time.perf_counter() - started
    warm = statistics.median(api.warm_requests("cold", 20)) * 1000
    return {"first_request_s": first, "warm_p50_ms": warm, "direct_warm_p50_ms": warm_p50_ms}


def run(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "started": datetime.now(UTC).isoformat()}
    sampler = LoadSampler()
    with contextlib.ExitStack() as stack:
        endpoint = stack.enter_context(moto(scratch))
        database = stack.enter_context(postgres_database(args.postgres))
        stack.callback(delete_queues, database, args.broker)
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        boto3.client("s3", endpoint_url=endpoint, **_boto(CREDENTIALS)).create_bucket(Bucket=bucket)
        cluster_env = {
            **base_env(),
            **CREDENTIALS,
            "MODELYARD_EXECUTOR": "celery",
            "MODELYARD_DATABASE_URL": database,
            "MODELYARD_BROKER_URL": args.broker,
            "MODELYARD_STORAGE_URL": f"s3://{bucket}/artifacts?endpoint_url={endpoint}",
            "MODELYARD_SECRET_KEY": Fernet.generate_key().decode(),
            "MODELYARD_WORKER_HEARTBEAT_SECONDS": "1",
        }
        bench = Bench(scratch, stack, cluster_env)
        local, local_token = bench.serve("local", base_env())
        local_api = Modelyard.connect(local.url, local_token)
        local_api.deploy("noop", minimum=2, maximum=2)
        local_api.warm_requests("noop", 20)
        with sampler.part("overhead_local"):
            results["overhead_local"] = overhead(
                "local", local, local_token, local_api, args.duration
            )
        stop_server(local)

        api_server, token = bench.serve("api", cluster_env)
        api = Modelyard.connect(api_server.url, token)
        bench.worker("worker-1")
        api.deploy("noop", minimum=2, maximum=2)
        wait_ready(database, version_id(api, "noop"), 2)
        api.warm_requests("noop", 20)
        with sampler.part("overhead_celery"):
            results["overhead_celery"] = overhead("celery", api_server, token, api, args.duration)
        warm = results["overhead_celery"]["c1"]["p50_ms"]
        with sampler.part("cold_start"):
            results["cold_start"] = cold_start(api, warm)
        with sampler.part("scaling"):
            results["scaling"] = scaling(bench, api, database, token, args)
        with sampler.part("zero_loss"):
            results["zero_loss"] = zero_loss(bench, api, database, args.loss_batch)
    results["load"] = sampler.summary()
    return results


def delete_queues(database: str, broker: str) -> None:
    """Remove the run's version queues from the broker (after its processes stopped)."""
    from kombu import Connection

    versions = [str(row[0]) for row in query(database, "SELECT id FROM model_versions")]
    with Connection(broker) as connection:
        for version in versions:
            with contextlib.suppress(Exception), connection.channel() as channel:
                channel.queue_delete(f"modelyard.v.{version}")


def _boto(credentials: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": credentials["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": credentials["AWS_SECRET_ACCESS_KEY"],
        "region_name": credentials["AWS_DEFAULT_REGION"],
    }


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="modelyard-bench-scaleout-") as scratch:
        try:
            results = run(args, Path(scratch))
        except Exception:
            for log in sorted(Path(scratch).glob("*.log")):
                print(
                    f"--- {log.name}\n"
                    + "\n".join(log.read_text(errors="replace").splitlines()[-30:])
                )
            raise
    out = BENCH_DIR / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (out / f"scaleout-{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    from table import section

    print(section(results))
    if not args.no_readme:
        update_readme(section(results), begin=BEGIN, end=END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
