"""Direct requests through modelyard against a bare FastAPI echo, side by side (DESIGN §7).

In one run on this machine: start ``modelyard serve`` on a fresh SQLite data directory and the
bare echo app (``bench/echo_app.py``) with the same uvicorn settings; deploy a no-op plain model
(maximum_instances 2, and 1); load both with wrk at concurrency 1 and 32; time a build whose
requirements are cached and the cold start of an instance; write the tables into
bench/README.md and the raw numbers into bench/results/. Every process started is stopped, even
on failure.

Run from the repository root::

    PYTHONPATH=src python bench/direct_request.py [--rounds 3] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deploy import Modelyard
from load import LoadResult, Target, run_wrk, wrk_version
from processes import (
    Server,
    children_cpu_seconds,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    start_server,
    stop_server,
    wait_for_line,
    wait_until_listening,
)
from processes import wait_for_quiet as quiet
from render import section
from report import REPO_DIR, machine, update_readme, verdicts, write_json

BENCH_DIR = Path(__file__).resolve().parent
PLAN = [
    ("bare", 1),
    ("modelyard-max2", 1),
    ("modelyard-max1", 1),
    ("bare", 32),
    ("modelyard-max2", 32),
    ("modelyard-max1", 32),
]
THREADS = {1: 1, 32: 2}
MODELS = {"modelyard-max2": "noop", "modelyard-max1": "noop-max1"}
SIX = "six==1.16.0\n"
WARM_REQUESTS = 20


@dataclass(frozen=True)
class Servers:
    """The two servers under test and the modelyard admin token."""

    modelyard: Server
    echo: Server
    token: str
    data_dir: Path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load before each")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the whole load plan")
    parser.add_argument("--builds", type=int, default=3, help="cached builds to time")
    parser.add_argument(
        "--profile", action="store_true", help="then record modelyard with py-spy under load"
    )
    parser.add_argument(
        "--patience",
        type=float,
        default=300,
        help="seconds to wait, before each run, for other processes to leave the CPUs idle",
    )
    parser.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    parser.add_argument(
        "--from-json", type=Path, help="measure nothing: write README.md from saved results"
    )
    return parser.parse_args()


def child_env() -> dict[str, str]:
    """Our environment without MODELYARD_* settings, with modelyard's source importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    paths = [str(REPO_DIR / "src"), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def start_both(scratch: Path, stack: contextlib.ExitStack) -> Servers:
    """Start modelyard and the echo app, each stopped when ``stack`` closes."""
    data_dir, port = scratch / "data", free_port()
    command = [sys.executable, "-m", "modelyard", "serve", "--port", str(port)]
    modelyard = start_server(
        "modelyard",
        [*command, "--data-dir", str(data_dir)],
        port=port,
        log_path=scratch / "modelyard.log",
        env=child_env(),
    )
    stack.callback(stop_server, modelyard)
    echo_port = free_port()
    echo = start_server(
        "echo",
        [sys.executable, str(BENCH_DIR / "echo_app.py"), "--port", str(echo_port)],
        port=echo_port,
        log_path=scratch / "echo.log",
        env=child_env(),
    )
    stack.callback(stop_server, echo)
    token = wait_for_line(modelyard, "Token ", timeout=60).split()[1]
    wait_until_listening(modelyard, "/v2.1/status", timeout=60)
    wait_until_listening(echo, "/echo", timeout=60)
    return Servers(modelyard, echo, token, data_dir)


def targets(servers: Servers) -> dict[str, tuple[Target, Server]]:
    """What wrk loads for each scenario, and which server's CPU time to count."""
    auth = f"Token {servers.token}"
    found = {"bare": (Target("bare", f"{servers.echo.url}/echo", auth, '"hi"'), servers.echo)}
    for scenario, model in MODELS.items():
        url = f"{servers.modelyard.url}/v2.1/projects/default/models/{model}/versions/v1/request"
        found[scenario] = (Target(scenario, url, auth, '"success":true'), servers.modelyard)
    return found


def measure_once(
    target: Target, server: Server, connections: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Warm up, then one measured wrk run, with the CPU time the server, its instances and
    everything else on the machine used meanwhile."""
    threads = THREADS[connections]
    run_wrk(target, connections=connections, threads=threads, seconds=args.warmup)
    before = cpu_snapshot(server)
    result: LoadResult = run_wrk(
        target, connections=connections, threads=threads, seconds=args.duration
    )
    own, below, machine_busy, wrk = (
        b - a for a, b in zip(before, cpu_snapshot(server), strict=True)
    )
    row = result.as_dict()
    per_request = 1000 / max(result.requests, 1)
    row["server_cpu_ms_per_request"] = own * per_request
    row["instance_cpu_ms_per_request"] = below * per_request
    row["wrk_cpu_share"] = wrk / (os.cpu_count() or 1) / args.duration
    other = machine_busy - own - below - wrk
    row["other_cpu_share"] = max(other, 0.0) / (os.cpu_count() or 1) / args.duration
    return row


def wait_for_quiet(servers: Servers, patience: float) -> None:
    """Wait until the machine is quiet apart from our two servers and what they started."""
    quiet([servers.modelyard.pid, servers.echo.pid], patience)


def cpu_snapshot(server: Server) -> tuple[float, float, float, float]:
    """CPU seconds so far: the server, its descendants, the whole machine, our waited children."""
    own, below = cpu_seconds(server.pid)
    return own, below, machine_busy_seconds(), children_cpu_seconds()


def measure_load(servers: Servers, args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Every scenario of PLAN, ``args.rounds`` times, interleaved; medians per scenario."""
    plan = targets(servers)
    runs: dict[str, list[dict[str, Any]]] = {}
    for round_number in range(1, args.rounds + 1):
        for scenario, connections in PLAN:
            print(f"round {round_number}: {scenario} c={connections}", flush=True)
            target, server = plan[scenario]
            wait_for_quiet(servers, args.patience)
            row = measure_once(target, server, connections, args)
            runs.setdefault(f"{scenario}-c{connections}", []).append(row)
    return {key: summarize(key, rows) for key, rows in runs.items()}


def summarize(key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each number over the rounds, the bad answers summed, the rounds kept."""
    numbers = [
        "requests_per_second",
        "p50_ms",
        "p75_ms",
        "p90_ms",
        "p99_ms",
        "server_cpu_ms_per_request",
        "instance_cpu_ms_per_request",
        "wrk_cpu_share",
        "other_cpu_share",
    ]
    summary: dict[str, Any] = {
        "scenario": key.rsplit("-c", 1)[0],
        "connections": rows[0]["connections"],
        "threads": rows[0]["threads"],
        "bad_responses": sum(row["bad_responses"] for row in rows),
        "socket_errors": [row["socket_errors"] for row in rows if row["socket_errors"]],
    }
    summary.update({name: statistics.median(row[name] for row in rows) for name in numbers})
    summary["rounds"] = rows
    return summary


def deploy_noops(client: Modelyard) -> float:
    """The load-test models, kept warm; returns the first one's build seconds."""
    first = client.deploy(MODELS["modelyard-max2"], minimum=1, maximum=2)
    client.deploy(MODELS["modelyard-max1"], minimum=1, maximum=1)
    for model in MODELS.values():
        client.warm_requests(model, WARM_REQUESTS)
    return first


def measure_builds(client: Modelyard, count: int, first_plain: float) -> dict[str, Any]:
    """A first build with ``six``, then ``count`` builds of the same requirements (cached)."""
    print("builds", flush=True)
    first = client.deploy("six-first", minimum=0, maximum=1, requirements=SIX)
    cached = [
        client.deploy(f"six-cached-{n}", minimum=0, maximum=1, requirements=SIX)
        for n in range(1, count + 1)
    ]
    return {
        "first_plain_s": first_plain,
        "first_six_s": first,
        "cached_s": cached,
        "cached_median_s": statistics.median(cached),
        "poll_interval_s": 0.02,
    }


def measure_cold_start(client: Modelyard, data_dir: Path) -> dict[str, Any]:
    """First request to a version with no instance, against warm requests to it."""
    print("cold start", flush=True)
    client.deploy("cold", minimum=0, maximum=1)
    first = client.request("cold")
    warm = client.warm_requests("cold", WARM_REQUESTS)
    python = environment_python(data_dir)
    return {
        "first_s": first,
        "warm_median_s": statistics.median(warm),
        "warm_count": len(warm),
        "cold_start_s": first - statistics.median(warm),
        "interpreter_start_s": interpreter_start(python),
        "interpreter": str(python),
    }


def environment_python(data_dir: Path) -> Path:
    """The python of the environment built without requirements (no requirements.txt in it)."""
    for python in sorted((data_dir / "environments").glob("*/bin/python")):
        if not (python.parent.parent / "requirements.txt").exists():
            return python
    raise RuntimeError(f"no environment without requirements under {data_dir}")


def interpreter_start(python: Path, times: int = 5) -> float:
    """The median seconds ``python -c pass`` takes: the floor under any cold start."""
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run([str(python), "-c", "pass"], check=True)
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


def python_version(python: Path) -> str:
    completed = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def run(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    """Everything measured in one run, with the servers stopped before it returns."""
    with contextlib.ExitStack() as stack:
        servers = start_both(scratch, stack)
        client = Modelyard.connect(servers.modelyard.url, servers.token)
        stack.callback(client.http.close)
        first_plain = deploy_noops(client)
        load = measure_load(servers, args)
        builds = measure_builds(client, args.builds, first_plain)
        cold = measure_cold_start(client, servers.data_dir)
        profile = {}
        if args.profile:
            from spy import profile_modelyard

            profile = profile_modelyard(servers.modelyard, targets(servers), args.duration)
    return {
        "profile": profile,
        "load": load,
        "builds": builds,
        "cold_start": cold,
        "instance_python": python_version(Path(cold["interpreter"])),
    }


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so that the clean-up in ``finally`` blocks runs."""

    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


@contextlib.contextmanager
def scratch_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as scratch:
        yield Path(scratch)


def main() -> int:
    args = parse_args()
    if args.from_json is not None:
        update_readme(section(json.loads(args.from_json.read_text())))
        return 0
    stop_on_sigterm()
    results = measure(args)
    path = write_json(results, results["stamp"])
    text = section(results)
    if not args.no_readme:
        update_readme(text)
    print(text)
    print(f"raw numbers: {path}")
    return 0


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """One whole run, with what it ran on and the verdict against the targets."""
    now = datetime.now(UTC)
    machine_info = {**machine(), "loadavg_before": os.getloadavg()[0]}
    with scratch_dir() as scratch:
        measured = run(args, scratch)
    machine_info["loadavg_after"] = os.getloadavg()[0]
    results: dict[str, Any] = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "stamp": now.strftime("%Y%m%dT%H%M%SZ"),
        "machine": machine_info,
        "settings": {
            "duration": args.duration,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "wrk": wrk_version().split(" [")[0],
        },
        **measured,
    }
    found = verdicts(results["load"], results["builds"]["cached_median_s"])
    results["targets"] = [verdict.as_dict() for verdict in found]
    return results


if __name__ == "__main__":
    sys.exit(main())
