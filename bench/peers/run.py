"""modelyard beside its peers: the same two models on bare FastAPI, MLflow, BentoML, modelyard.

Installs MLflow and BentoML (pinned, ``requirements/``) into virtual environments of their own
under ``bench/peers/.venvs`` (once), saves a no-op model and a scikit-learn LogisticRegression
(iris, 4 features, fixed seed) in each framework's own format, then serves each model with each
framework, one server at a time, and measures: start-up (process start to the first 200 of the
model's own request), idle resident memory, and wrk at c=1 (1 thread) and c=32 (2 threads) after
a warm-up, the median of the rounds. Writes one table into bench/README.md (between
``<!-- results:peers -->`` markers) and the raw numbers into bench/results/.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/peers/run.py           # about 15 minutes
    PYTHONPATH=src .venv/bin/python bench/peers/run.py --quick   # short runs, to try it
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import servers as peers
import table
import venvs
from deploy import Modelyard
from direct_request import child_env, measure_once, scratch_dir, stop_on_sigterm, summarize
from load import Target, require_wrk, wrk_version
from processes import (
    Server,
    check_alive,
    free_port,
    rss_mib,
    start_server,
    stop_server,
    wait_for_line,
    wait_for_quiet,
    wait_until_listening,
)
from report import machine, update_readme, write_json

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- results:peers -->", "<!-- /results:peers -->"
CONNECTIONS = (1, 32)
WARM_REQUESTS = 50
IDLE_SECONDS = 2.0
STARTUP_TIMEOUT = 300.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load before each")
    parser.add_argument("--rounds", type=int, default=3, help="measured runs per concurrency")
    parser.add_argument("--patience", type=float, default=300, help="seconds to wait for quiet")
    parser.add_argument(
        "--quick", action="store_true", help="3 s runs, 1 s warm-up, 1 round, 10 s patience"
    )
    parser.add_argument("--only", nargs="+", choices=peers.FRAMEWORKS, help="these frameworks")
    parser.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    parser.add_argument("--from-json", type=Path, help="measure nothing: README from saved JSON")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.warmup, args.rounds, args.patience = 3, 1, 1, 10
    return args


def prepare(scratch: Path) -> dict[str, Path]:
    """Each framework's environment, and the models saved in each one's format."""
    found = {name: venvs.ensure(name) for name in ("bare", "mlflow", "bentoml")}
    artifacts = scratch / "artifacts"
    for name, venv in found.items():
        print(f"saving the models for {name}", flush=True)
        env = peers.peer_env(venv, BENTOML_HOME=str(artifacts / "bentoml"))
        env["BENTOML_DO_NOT_TRACK"] = "True"
        command = [str(venv / "bin" / "python"), str(HERE / "prepare.py"), name]
        done = subprocess.run(
            [*command, str(artifacts / name)], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"prepare.py {name} failed:\n{done.stdout}{done.stderr}")
    return found


def deploy_modelyard(model: str, scratch: Path) -> tuple[Path, str]:
    """A fresh data directory where ``model`` is deployed and built (minimum_instances 1);
    the server that did it is stopped again. Returns the directory and the admin token."""
    data_dir, port = scratch / f"modelyard-{model}", free_port()
    command = [sys.executable, "-m", "modelyard", "serve", "--port", str(port)]
    server = start_server(
        f"modelyard-deploy-{model}",
        [*command, "--data-dir", str(data_dir)],
        port=port,
        log_path=scratch / f"modelyard-deploy-{model}.log",
        env=child_env(),
    )
    try:
        token = wait_for_line(server, "Token ", timeout=60).split()[1]
        wait_until_listening(server, "/v2.1/status", timeout=60)
        client = Modelyard.connect(server.url, token)
        package = peers.modelyard_package(
            model, scratch / "artifacts", venvs.pinned("bare", "scikit-learn")
        )
        print(f"deploying {model} to modelyard (builds its environment)", flush=True)
        client.deploy(
            model, minimum=1, maximum=1, package=package, language=peers.MODELYARD_LANGUAGE
        )
        client.http.close()
    finally:
        stop_server(server)
    return data_dir, token


def plan(args: argparse.Namespace, scratch: Path, envs: dict[str, Path]) -> list[peers.Peer]:
    """Every (framework, model) to measure, in order; modelyard's deployments made first."""
    artifacts, chosen = scratch / "artifacts", args.only or peers.FRAMEWORKS
    found = []
    for framework in chosen:
        for model in peers.MODELS:
            port = free_port()
            if framework == "modelyard":
                data_dir, token = deploy_modelyard(model, scratch)
                peer = peers.modelyard(model, sys.executable, data_dir, token, port, child_env())
            else:
                build = {"bare": peers.bare, "mlflow": peers.mlflow, "bentoml": peers.bentoml}
                peer = build[framework](model, envs[framework], artifacts, port)
            found.append(peer)
    return found


def first_answer(server: Server, target: Target, started: float) -> float:
    """Seconds from ``started`` to the first 200 carrying the expected answer."""
    headers = {"Content-Type": "application/json"}
    if target.auth:
        headers["Authorization"] = target.auth
    with httpx.Client(timeout=5) as client:
        while time.perf_counter() - started < STARTUP_TIMEOUT:
            check_alive(server)
            with contextlib.suppress(httpx.TransportError):
                answer = client.post(target.url, content=target.body, headers=headers)
                if answer.status_code == 200 and target.expect in answer.text:
                    return time.perf_counter() - started
            time.sleep(0.02)
    raise RuntimeError(f"{server.name}: no good answer in {STARTUP_TIMEOUT:g} s")


def warm(target: Target, count: int) -> None:
    headers = {"Content-Type": "application/json"}
    if target.auth:
        headers["Authorization"] = target.auth
    with httpx.Client(timeout=30) as client:
        for _ in range(count):
            client.post(target.url, content=target.body, headers=headers).raise_for_status()


def measure_peer(peer: peers.Peer, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    """Start one server, time its start, read its idle memory, load it, stop it."""
    print(f"{peer.key}: starting", flush=True)
    target = peer.target()
    started = time.perf_counter()
    server = start_server(
        peer.key, peer.command, port=peer.port, log_path=scratch / f"{peer.key}.log", env=peer.env
    )
    try:
        startup = first_answer(server, target, started)
        warm(target, WARM_REQUESTS)
        time.sleep(IDLE_SECONDS)
        rss_main, rss_all = rss_mib(server.pid)
        runs: dict[int, list[dict[str, Any]]] = {c: [] for c in CONNECTIONS}
        for round_number in range(1, args.rounds + 1):
            for connections in CONNECTIONS:
                print(f"{peer.key}: round {round_number} c={connections}", flush=True)
                wait_for_quiet([server.pid], args.patience)
                runs[connections].append(measure_once(target, server, connections, args))
    finally:
        stop_server(server)
    return {
        "log_head": log_head(server),
        "framework": peer.framework,
        "model": peer.model,
        "startup_s": startup,
        "rss_main_mib": rss_main,
        "rss_all_mib": rss_all,
        "request": {"path": peer.path, "body": peer.body, "expect": peer.expect},
        "load": {f"c{c}": summarize(f"{peer.key}-c{c}", rows) for c, rows in runs.items()},
    }


def log_head(server: Server, lines: int = 8) -> list[str]:
    """What the server printed first (how it says it serves), without any token."""
    text = server.log_path.read_text(errors="replace").splitlines()[:lines]
    return [line for line in text if not line.startswith("Token ")]


def environments(envs: dict[str, Path]) -> dict[str, Any]:
    """What each peer ran on: its pins and whether uvloop and httptools are installed."""
    described: dict[str, Any] = {}
    for name, venv in envs.items():
        pins = (venvs.REQUIREMENTS / f"{name}.txt").read_text().split()
        uvloop, httptools = venvs.has_module(venv, "uvloop"), venvs.has_module(venv, "httptools")
        described[name] = {"pins": pins, "uvloop": uvloop, "httptools": httptools}
    return described


def measure(args: argparse.Namespace) -> dict[str, Any]:
    now = datetime.now(UTC)
    machine_info = {**machine(), "loadavg_before": os.getloadavg()[0]}
    with scratch_dir() as scratch:
        envs = prepare(scratch)
        measured = {
            peer.key: measure_peer(peer, args, scratch) for peer in plan(args, scratch, envs)
        }
    machine_info["loadavg_after"] = os.getloadavg()[0]
    results: dict[str, Any] = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "stamp": now.strftime("%Y%m%dT%H%M%SZ"),
        "machine": machine_info,
        "environments": environments(envs),
        "settings": {
            "duration": args.duration,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "wrk": wrk_version().split(" [")[0],
        },
        "peers": measured,
    }
    results["targets"] = table.verdicts(measured)
    return results


def main() -> int:
    args = parse_args()
    if args.from_json is not None:
        update_readme(table.section(json.loads(args.from_json.read_text())), begin=BEGIN, end=END)
        return 0
    require_wrk()
    stop_on_sigterm()
    results = measure(args)
    path = write_json(results, results["stamp"], name="peers")
    text = table.section(results)
    if not args.no_readme:
        update_readme(text, begin=BEGIN, end=END)
    print(text)
    print(f"raw numbers: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
