"""Authenticated reads and lists in each dialect against a bare FastAPI GET, side by side.

In one run: ``modelyard serve`` on a fresh SQLite data directory and the bare echo app
(``echo_app.py``, ``GET /echo``), started as ``direct_request.py`` starts them; 20 objects made
over each dialect's HTTP API (UbiOps versions of one model, Leia models, registry models,
Alchemite models, Lightly datasets); then wrk at c=1 and c=32 on, per dialect, the read of one
object and the list of the 20, each with that dialect's own credentials, plus ``GET
/v2.1/status``; the median of the rounds, interleaved. Then each read and list again with a new
``X-Trace`` header on every request, so that no request is answered whole from memory (what
that means: bench/README.md). The table (ratio to bare at c=32 and the targets of issue 19) goes
into bench/README.md between ``<!-- results:dialects -->`` markers.

    PYTHONPATH=src .venv/bin/python bench/dialects.py            # about 15 minutes
    PYTHONPATH=src .venv/bin/python bench/dialects.py --quick    # short runs, to try it
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx
from deploy import Modelyard
from direct_request import (
    Servers,
    measure_once,
    scratch_dir,
    start_both,
    stop_on_sigterm,
    summarize,
)
from load import Target, require_wrk, wrk_version
from processes import Server
from processes import wait_for_quiet as quiet
from report import caveat, machine, update_readme, write_json

BEGIN, END = "<!-- results:dialects -->", "<!-- /results:dialects -->"
COUNT = 20
CONNECTIONS = (1, 32)
TARGET_SHARE = {"read": 0.35, "list": 0.25, "status": 0.80}
VARY = "X-Trace"
LEIA_MODULE = """\
class Noop:
    def __init__(self, base_directory, context):
        pass

    def apply(self, document, model_params):
        return {}
"""


@dataclass(frozen=True)
class Endpoint:
    """One endpoint to load, its kind (read, list, status, bare), and for credentials that
    expire (Alchemite's access tokens last 5 minutes) how to get a fresh Authorization value."""

    name: str
    kind: str
    target: Target
    renew: Callable[[], str] | None = None

    def current(self) -> Target:
        return self.target if self.renew is None else replace(self.target, auth=self.renew())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load before each")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all endpoints")
    parser.add_argument("--patience", type=float, default=300, help="seconds to wait for quiet")
    parser.add_argument(
        "--quick", action="store_true", help="3 s runs, 1 s warm-up, 1 round, 10 s patience"
    )
    parser.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    parser.add_argument("--from-json", help="measure nothing: README from saved JSON")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.warmup, args.rounds, args.patience = 3, 1, 1, 10
    return args


def checked(response: httpx.Response) -> Any:
    """The JSON of a successful answer; raises with the body on an error status."""
    if response.status_code >= 400:
        sent = response.request
        raise RuntimeError(f"{sent.method} {sent.url}: {response.status_code} {response.text}")
    return response.json() if response.content else None


def get(name: str, url: str, auth: str, expect: str, *headers: str) -> Target:
    return Target(name, url, auth, expect, method="GET", headers=headers)


def ubiops(http: httpx.Client, url: str, token: str) -> list[Endpoint]:
    """A model with 20 versions (deploy.py's calls): get one, list them; and the status."""
    client = Modelyard.connect(url, token)
    client.create("bench", minimum=0, maximum=1, language="python3.11")
    for number in range(2, COUNT + 1):
        body = {"version": f"v{number}", "language": "python3.11", "maximum_instances": 1}
        client.call("POST", f"{client.models_path('bench')}/versions", json=body)
    client.http.close()
    base, auth = f"{url}/v2.1/projects/default/models/bench/versions", f"Token {token}"
    return [
        Endpoint("UbiOps version get", "read", get("ubiops-get", f"{base}/v1", auth, '"v1"')),
        Endpoint("UbiOps versions list", "list", get("ubiops-list", base, auth, f'"v{COUNT}"')),
        Endpoint(
            "UbiOps `GET /v2.1/status`", "status", get("status", f"{url}/v2.1/status", auth, "")
        ),
    ]


def leia_model_zip() -> bytes:
    """A Leia model file: the manifest and a module that does nothing."""
    manifest = {
        "model_module": "noop",
        "model_clazz": "Noop",
        "model_type": "classification",
        "input_types": ["text"],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("leia_model.json", json.dumps(manifest))
        archive.writestr("noop.py", LEIA_MODULE)
    return buffer.getvalue()


def leia(http: httpx.Client, url: str, token: str) -> list[Endpoint]:
    """20 models created by the logged-in admin: get one, list them (header ``token``)."""
    base = f"{url}/leia/1.0.0"
    login = checked(http.get(f"{base}/login/{token}"))
    session, application = login["token"], login["application"]["id"]
    headers = {"token": session, "Content-Type": "application/octet-stream"}
    package = leia_model_zip()
    ids = []
    for number in range(1, COUNT + 1):
        created = http.post(
            f"{base}/admin/{application}/model",
            params={"name": f"bench-{number}"},
            content=package,
            headers=headers,
        )
        ids.append(checked(created)["id"])
    header = f"token: {session}"
    return [
        Endpoint(
            "Leia model get", "read", get("leia-get", f"{base}/model/{ids[0]}", "", ids[0], header)
        ),
        Endpoint(
            "Leia models list", "list", get("leia-list", f"{base}/model", "", ids[-1], header)
        ),
    ]


def registry(http: httpx.Client, url: str, token: str) -> list[Endpoint]:
    """20 registered models: get one, list all (``Authorization: Bearer``)."""
    base, auth = f"{url}/api/models", f"Bearer {token}"
    ids = []
    for number in range(1, COUNT + 1):
        body = {"model_name": f"bench-{number}", "model_url": f"https://example.org/{number}"}
        ids.append(str(checked(http.post(base, json=body, headers={"Authorization": auth}))["id"]))
    return [
        Endpoint(
            "registry model get", "read", get("registry-get", f"{base}/id/{ids[0]}", auth, ids[0])
        ),
        Endpoint(
            "registry models list", "list", get("registry-list", f"{base}/all", auth, ids[-1])
        ),
    ]


def alchemite(http: httpx.Client, url: str, token: str) -> list[Endpoint]:
    """20 models: get one, list them (a bearer token from the OAuth2 client-credentials
    grant, the modelyard token as the client secret, renewed before every run)."""
    base = f"{url}/v0"

    def renew() -> str:
        answer = httpx.post(
            f"{base}/auth/realms/master/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=("modelyard", token),
        )
        return f"Bearer {checked(answer)['access_token']}"

    auth = renew()
    ids = []
    for number in range(1, COUNT + 1):
        body = {"name": f"bench-{number}", "trainingMethod": "alchemite"}
        ids.append(checked(http.post(f"{base}/models", json=body, headers={"Authorization": auth})))
    return [
        Endpoint(
            "Alchemite model get",
            "read",
            get("alchemite-get", f"{base}/models/{ids[0]}", auth, ids[0]),
            renew,
        ),
        Endpoint(
            "Alchemite models list",
            "list",
            get("alchemite-list", f"{base}/models", auth, ids[-1]),
            renew,
        ),
    ]


def lightly(http: httpx.Client, url: str, token: str) -> list[Endpoint]:
    """20 datasets: get one, list them (``?token=``, what the client sends)."""
    base = f"{url}/v1/datasets"
    ids = []
    for number in range(1, COUNT + 1):
        answer = http.post(base, params={"token": token}, json={"name": f"bench-{number}"})
        ids.append(checked(answer)["id"])
    read = f"{base}/{ids[0]}?token={token}"
    return [
        Endpoint("Lightly dataset get", "read", get("lightly-get", read, "", ids[0])),
        Endpoint(
            "Lightly datasets list",
            "list",
            get("lightly-list", f"{base}?token={token}", "", ids[-1]),
        ),
    ]


def endpoints(servers: Servers) -> list[Endpoint]:
    """The bare reference first, then every dialect's objects made and endpoints named."""
    url, token = servers.modelyard.url, servers.token
    found = [
        Endpoint(
            "bare FastAPI `GET /echo`", "bare", get("bare", f"{servers.echo.url}/echo", "", "hi")
        )
    ]
    with httpx.Client(timeout=60) as http:
        for make in (ubiops, leia, registry, alchemite, lightly):
            print(f"creating {COUNT} objects: {make.__name__}", flush=True)
            found += make(http, url, token)
    return found + [unalike(e) for e in found if e.kind in ("read", "list")]


def unalike(endpoint: Endpoint) -> Endpoint:
    """The same read with a new ``X-Trace`` header on every request: never the very same
    request twice, so never answered whole from memory (``api/kept.KeptAnswers``); the route
    runs, its own work kept (``@kept``)."""
    target = replace(endpoint.target, name=f"{endpoint.target.name}-unalike", vary=VARY)
    name = f"{endpoint.name}, a new `{VARY}` each request"
    return replace(endpoint, name=name, kind=f"{endpoint.kind}, unalike", target=target)


def measure_load(
    servers: Servers, found: list[Endpoint], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """Every endpoint at each concurrency, ``args.rounds`` times, interleaved; medians."""
    runs: dict[str, list[dict[str, Any]]] = {}
    pids = [servers.modelyard.pid, servers.echo.pid]
    for round_number in range(1, args.rounds + 1):
        for endpoint in found:
            server: Server = servers.echo if endpoint.kind == "bare" else servers.modelyard
            for connections in CONNECTIONS:
                print(f"round {round_number}: {endpoint.name} c={connections}", flush=True)
                quiet(pids, args.patience)
                row = measure_once(endpoint.current(), server, connections, args)
                runs.setdefault(f"{endpoint.target.name}-c{connections}", []).append(row)
    return {key: summarize(key, rows) for key, rows in runs.items()}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    now = datetime.now(UTC)
    machine_info = {**machine(), "loadavg_before": os.getloadavg()[0]}
    with scratch_dir() as scratch, contextlib.ExitStack() as stack:
        servers = start_both(scratch, stack)
        found = endpoints(servers)
        load = measure_load(servers, found, args)
    machine_info["loadavg_after"] = os.getloadavg()[0]
    described = [
        {"name": e.name, "kind": e.kind, "key": e.target.name, "url": e.target.url.split("?")[0]}
        for e in found
    ]
    return {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "stamp": now.strftime("%Y%m%dT%H%M%SZ"),
        "machine": machine_info,
        "settings": {
            "duration": args.duration,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "wrk": wrk_version().split(" [")[0],
            "objects": COUNT,
        },
        "endpoints": described,
        "load": load,
    }


CREDENTIALS = {
    "bare": "none",
    "ubiops": "`Authorization: Token …`",
    "status": "`Authorization: Token …`",
    "leia": "`token:` header (from `/login`)",
    "registry": "`Authorization: Bearer …`",
    "alchemite": "`Authorization: Bearer …` (OAuth2 access token)",
    "lightly": "`?token=…`",
}


def section(results: dict[str, Any]) -> str:
    """Where and how, then one row per endpoint with the ratio to bare and the target."""
    m, s, load = results["machine"], results["settings"], results["load"]
    dirty = " plus uncommitted changes" if m["dirty"] else ""
    other = max(run["other_cpu_share"] for row in load.values() for run in row["rounds"])
    lines = [
        *filter(None, [caveat(s, other)]),
        f"- run {results['date']} on {m['nproc']} x {m['cpu_model']}; "
        f"code at {m['commit']}{dirty}, "
        f"Python {m['python']}, SQLite; both servers one uvicorn process (uvloop installed: "
        f"{m['uvloop']}, httptools: {m['httptools']})",
        f"- {s['wrk']}: {s['duration']:g} s per run after a {s['warmup']:g} s warm-up, median of "
        f"{s['rounds']} round(s); c=1 on 1 wrk thread, c=32 on 2; lists hold {s['objects']} items",
        f"- 1-minute load average {m['loadavg_before']:.2f} before, {m['loadavg_after']:.2f} "
        f"after; other processes used at most {other:.0%} of the CPUs during a measured run",
        "",
        "| endpoint | credentials | c=1 req/s | c=1 p50 ms | c=1 p99 ms | c=32 req/s "
        "| c=32 p50 ms | c=32 p99 ms | bad answers | req/s vs bare, c=32 | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    bare = load["bare-c32"]["requests_per_second"]
    for endpoint in results["endpoints"]:
        one, many = load[f"{endpoint['key']}-c1"], load[f"{endpoint['key']}-c32"]
        share = many["requests_per_second"] / bare
        wanted = TARGET_SHARE.get(endpoint["kind"])
        target = "—" if wanted is None else f"≥ {wanted:.0%}"
        met = "—" if wanted is None else ("met" if share >= wanted else "**not met**")
        credential = CREDENTIALS[endpoint["key"].split("-")[0]]
        lines.append(
            f"| {endpoint['name']} | {credential} | {one['requests_per_second']:,.0f} "
            f"| {one['p50_ms']:.2f} | {one['p99_ms']:.2f} | {many['requests_per_second']:,.0f} "
            f"| {many['p50_ms']:.2f} | {many['p99_ms']:.2f} "
            f"| {one['bad_responses'] + many['bad_responses']} "
            f"| {'—' if endpoint['kind'] == 'bare' else f'{share:.0%}'} | {target} | {met} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    args = parse_args()
    if args.from_json is not None:
        with open(args.from_json) as saved:
            update_readme(section(json.load(saved)), begin=BEGIN, end=END)
        return 0
    require_wrk()
    stop_on_sigterm()
    results = measure(args)
    path = write_json(results, results["stamp"], name="dialects")
    text = section(results)
    if not args.no_readme:
        update_readme(text, begin=BEGIN, end=END)
    print(text)
    print(f"raw numbers: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
