"""Record streams of the Models registry: 1,000,000 records streamed by one search.

For each backend (SQLite, and PostgreSQL on 127.0.0.1 when reachable), on a fresh
``modelyard serve`` with a fresh database:

1. records added per second through the HTTP endpoint (``POST /api/models/id/{id}/records``,
   multipart, as a client sends them), ``--added`` records from ``--clients`` concurrent
   clients, with the server's CPU time per add;
2. ``--records`` records added through the bulk endpoint (``POST …/records/bulk``, ndjson,
   ``--per-request`` lines a request, one client, the next body built while the last is sent),
   one model, one dataset, one experiment: records/s and the server's CPU time per record;
3. the stream: ``GET …/records/filter`` with a window holding the first ``--small`` records, then
   ``GET …/records`` for all of them, once reading each line and once parsing each as JSON;
   records/s at the client and the server's resident memory, sampled every 50 ms (peak while
   streaming);
4. the baseline, the same joined rows read straight from the database: ``COPY (SELECT …) TO
   STDOUT`` on PostgreSQL, a plain ``SELECT`` iterated with ``sqlite3`` on SQLite.

Results go to ``results.json`` beside this file and a Markdown table into ``bench/README.md``
(between the ``records`` markers).

    PYTHONPATH=src python bench/records/run.py                     # 1,000,000 on both backends
    PYTHONPATH=src python bench/records/run.py --records 100000 --no-readme   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from processes import free_port, start_server, stop_server, wait_for_line, wait_until_listening

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
BEGIN, END = "<!-- records:begin -->", "<!-- records:end -->"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
BASE = "/api/models"
SQL = """SELECT r.id, r.timestamp, r.collection_date, r.dataset_id, d.dataset_name, r.model_id,
 m.model_name, r.model_data, r.experiment_id, e.experiment_name, r.season_id, s.season_name,
 r.site_id, t.site_name, r.record_file, r.record_info
 FROM tracking_records r JOIN tracking_models m ON m.id = r.model_id
 JOIN tracking_datasets d ON d.id = r.dataset_id
 LEFT JOIN tracking_experiments e ON e.id = r.experiment_id
 LEFT JOIN tracking_seasons s ON s.id = r.season_id LEFT JOIN tracking_sites t ON t.id = r.site_id
 WHERE r.model_id = {model} ORDER BY r.timestamp, r.id"""


class RssSampler:
    """The server's resident memory every 50 ms; ``peak`` since the last ``reset`` (MB)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
        return 0

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.rss())

    def reset(self) -> None:
        self.peak = self.rss()

    def stop(self) -> None:
        self._stop.set()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def add_over_http(url: str, token: str, model_id: str, count: int, clients: int) -> float:
    """Records added per second through the endpoint, from ``clients`` concurrent clients."""
    headers = {"Authorization": f"Bearer {token}"}

    def send(part: range) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            for i in part:
                form = {
                    "timestamp": (T0 - timedelta(days=1, seconds=i)).isoformat(),
                    "model_data": json.dumps({"value": i, "label": "added"}),
                    "site_name": "bench",
                }
                response = http.post(f"{BASE}/id/{model_id}/records", data=form)
                assert response.status_code == 201, response.text

    parts = [range(k, count, clients) for k in range(clients)]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, parts))
    return count / (time.perf_counter() - started)


LINE = (
    '{"timestamp":"%s","model_data":{"value":%d,"score":%r,"label":"plot-%d"},'
    '"record_info":{"row":%d},"dataset_name":"bench","experiment_name":"bench"}\n'
)


def bulk_body(first: int, last: int) -> bytes:
    """Records ``first`` to ``last - 1`` as ndjson: one a second from T0."""
    return "".join(
        LINE % ((T0 + timedelta(seconds=i)).isoformat(), i, i / 7, i % 500, i)
        for i in range(first, last)
    ).encode()


def add_in_bulk(url: str, token: str, model_id: str, count: int, per_request: int) -> float:
    """``count`` records through the bulk endpoint, ``per_request`` a request; the next body
    is built in a thread while the last one is sent. Returns seconds."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/ndjson"}
    with (
        ThreadPoolExecutor(1) as builder,
        httpx.Client(base_url=url, headers=headers, timeout=600) as http,
    ):
        started = time.perf_counter()
        body = builder.submit(bulk_body, 0, min(count, per_request))
        for first in range(0, count, per_request):
            content = body.result()
            after = first + per_request
            if after < count:
                body = builder.submit(bulk_body, after, min(count, after + per_request))
            response = http.post(f"{BASE}/id/{model_id}/records/bulk", content=content)
            assert response.status_code == 201, response.text[:500]
        return time.perf_counter() - started


def stream(
    url: str, token: str, path: str, params: dict[str, str], rss: RssSampler, *, parse: bool
) -> dict[str, Any]:
    """One streamed search: records/s with every line read (and with ``parse``, parsed as
    JSON), and the server's peak RSS."""
    rss.reset()
    count = size = 0
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream("GET", url + path, params=params, headers=headers, timeout=600) as response:
        assert response.status_code == 200, response.read()
        assert "content-length" not in response.headers
        rest = b""
        for chunk in response.iter_bytes(1 << 20):
            size += len(chunk)
            *lines, rest = (rest + chunk).split(b"\n")
            if parse:
                for line in lines:
                    json.loads(line)
            count += len(lines)
        assert rest == b"", "the stream ends with a newline"
    seconds = time.perf_counter() - started
    return {
        "records": count,
        "seconds": seconds,
        "records_per_s": count / seconds,
        "mb": size / 1e6,
        "peak_rss_mb": rss.peak,
    }


def baseline(database_url: str, model_id: uuid.UUID) -> dict[str, Any]:
    """The same rows straight from the database: COPY on PostgreSQL, a SELECT on SQLite."""
    started = time.perf_counter()
    if database_url.startswith("sqlite"):
        lite = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        rows = lite.execute(SQL.format(model=f"'{model_id.hex}'"))
        count = 0
        while batch := rows.fetchmany(10_000):
            count += len(batch)
        lite.close()
        kind = "SELECT (sqlite3)"
    else:
        with psycopg.connect(database_url.replace("+psycopg", "")) as pg:
            count = 0
            with pg.cursor().copy(
                f"COPY ({SQL.format(model=repr(str(model_id)))}) TO STDOUT"
            ) as copy:
                for row_data in copy:
                    count += bytes(row_data).count(b"\n")
        kind = "COPY … TO STDOUT"
    seconds = time.perf_counter() - started
    return {"kind": kind, "records": count, "seconds": seconds, "records_per_s": count / seconds}


def setup_ids(http: httpx.Client) -> tuple[str, str, dict[str, uuid.UUID]]:
    """A model for the HTTP adds and one for the bulk rows (with a dataset and experiment)."""
    added = http.post(f"{BASE}/", json={"model_name": "bench-added"}).json()["id"]
    bulk = http.post(f"{BASE}/", json={"model_name": "bench-bulk"}).json()["id"]
    dataset = http.post(
        f"{BASE}/id/{bulk}/datasets", json={"dataset_name": "bench", "experiment_name": "bench"}
    ).json()
    experiment = http.get(f"{BASE}/id/{bulk}/experiments").json()[0]
    ids = {
        "model": uuid.UUID(bulk),
        "dataset": uuid.UUID(dataset["id"]),
        "experiment": uuid.UUID(experiment["id"]),
    }
    return added, bulk, ids


def run_backend(backend: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    database_url = f"sqlite:///{workdir / 'data' / 'modelyard.db'}"
    if backend == "postgresql":
        name = f"bench_records_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        env["MODELYARD_DATABASE_URL"] = database_url
    port = free_port()
    command = [sys.executable, "-m", "modelyard", "serve", "--port", str(port)]
    command += ["--data-dir", str(workdir / "data")]
    server = start_server("modelyard", command, port=port, log_path=workdir / "server.log", env=env)
    try:
        token = wait_for_line(server, "Token ", timeout=60).split()[1]
        wait_until_listening(server, "/v2.1/status", timeout=60)
        rss = RssSampler(server.pid)
        idle = rss.rss()
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            added_id, bulk_id, ids = setup_ids(http)
        load = os.getloadavg()[0]
        before = cpu_seconds(server.pid)
        added_per_s = add_over_http(server.url, token, added_id, args.added, args.clients)
        add_cpu_ms = (cpu_seconds(server.pid) - before) / args.added * 1000
        before = cpu_seconds(server.pid)
        insert_s = add_in_bulk(server.url, token, bulk_id, args.records, args.per_request)
        bulk_cpu_us = (cpu_seconds(server.pid) - before) / args.records * 1e6
        window = {
            "start_timestamp": T0.isoformat(),
            "end_timestamp": (T0 + timedelta(seconds=args.small - 1)).isoformat(),
        }
        small = stream(
            server.url, token, f"{BASE}/id/{bulk_id}/records/filter", window, rss, parse=True
        )
        full = stream(server.url, token, f"{BASE}/id/{bulk_id}/records", {}, rss, parse=False)
        parsed = stream(server.url, token, f"{BASE}/id/{bulk_id}/records", {}, rss, parse=True)
        rss.stop()
        base = baseline(database_url, ids["model"])
    finally:
        stop_server(server)
        if backend == "postgresql":
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(
                    f"DROP DATABASE IF EXISTS {database_url.rsplit('/', 1)[1]} WITH (FORCE)"
                )
    assert small["records"] == args.small
    assert full["records"] == parsed["records"] == args.records
    return {
        "backend": backend,
        "idle_rss_mb": idle,
        "added_per_s": added_per_s,
        "add_server_cpu_ms": add_cpu_ms,
        "load_average": load,
        "clients": args.clients,
        "bulk_insert_s": insert_s,
        "bulk_server_cpu_us": bulk_cpu_us,
        "per_request": args.per_request,
        "small": small,
        "full": full,
        "parsed": parsed,
        "baseline": base,
    }


def render(results: list[dict[str, Any]], stamp: str) -> str:
    rows = [
        "| backend | records | client | streamed (records/s) | MB | server peak RSS | baseline"
        " | baseline (records/s) | stream / baseline |",
        "|---|---:|---|---:|---:|---:|---|---:|---:|",
    ]
    for r in results:
        base = r["baseline"]
        for run, client in (
            (r["small"], "parses each line"),
            (r["full"], "reads each line"),
            (r["parsed"], "parses each line"),
        ):
            with_base = run is not r["small"]
            ratio = run["records_per_s"] / base["records_per_s"]
            rows.append(
                f"| {r['backend']} | {run['records']:,} | {client}"
                f" | {run['records_per_s']:,.0f} | {run['mb']:,.0f}"
                f" | {run['peak_rss_mb']} MB (idle {r['idle_rss_mb']} MB)"
                f" | {base['kind'] if with_base else ''}"
                f" | {format(base['records_per_s'], ',.0f') if with_base else ''}"
                f" | {format(ratio, '.0%') if with_base else ''} |"
            )
    added = ", ".join(
        f"{r['backend']} {r['added_per_s']:,.0f}/s ({r['add_server_cpu_ms']:.1f} ms server CPU"
        f" per add, load average {r.get('load_average', 0):.1f} before)"
        for r in results
    )
    bulk = ", ".join(
        f"{r['backend']} {r['full']['records'] / r['bulk_insert_s']:,.0f}/s"
        f" ({r['bulk_server_cpu_us']:.0f} µs server CPU per record)"
        for r in results
    )
    clients, per_request = results[0]["clients"], results[0]["per_request"]
    return "\n".join(
        [
            f"Run {stamp}, {os.cpu_count()} CPUs.",
            "",
            *rows,
            "",
            f"Records added through `POST …/records` (multipart, {clients} concurrent clients):"
            f" {added}.",
            f"Records added through `POST …/records/bulk` (ndjson, {per_request:,} a request,"
            f" one client): {bulk}.",
        ]
    )


def update_readme(section: str) -> None:
    text = README.read_text()
    block = f"{BEGIN}\n{section.strip()}\n{END}"
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--added", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-request", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = []
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="modelyard-bench-records-") as scratch:
            results.append(run_backend(backend, args, Path(scratch)))
            print(json.dumps(results[-1], indent=2), flush=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    (HERE / "results.json").write_text(
        json.dumps({"run": stamp, "results": results}, indent=2) + "\n"
    )
    section = render(results, stamp)
    print(section)
    if not args.no_readme:
        update_readme(section)


if __name__ == "__main__":
    main()
