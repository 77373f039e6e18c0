"""Lightly datasource listing at scale: pages of 100 from 1,000,000 files and 200,000 objects.

One command (from the repository root):

    PYTHONPATH=src .venv/bin/python bench/datasources.py                  # ~15 minutes
    PYTHONPATH=src .venv/bin/python bench/datasources.py --files 100000 --objects 20000 --no-readme

What it does:

1. makes ``--files`` small files (64 bytes, 1,000 to a directory) under ``--root``, and as
   many empty files in one directory (``LOCAL-flat``), both reused when a previous run made
   them (a marker file says so), and starts moto's S3 server on loopback
   (``ThreadedMotoServer`` in this process, so its bucket can be filled through moto's backend
   in seconds rather than by 200,000 PUTs) holding ``--objects`` objects named the same way;
2. starts ``modelyard serve`` (SQLite, LOCAL datasources allowed under ``--root``, S3 at moto),
   creates a dataset per store and configures its datasource with the real ``lightly==1.2.2``
   client, and checks the first two pages through that client;
3. times pages through the HTTP API (httpx, ``?token=``, following the cursor as the client
   does): ``--pages`` consecutive pages from the start, from the middle and from near the end
   (the bench makes the cursor of the name where the depth starts, as a client that had paged
   there would hold); for LOCAL also every page of the whole walk; the server's resident memory
   is sampled every 50 ms (before, peak, after);
4. times the store's own answer to the same question at each depth (one ``ListObjectsV2`` with
   ``StartAfter``, 200 keys, straight to moto; a sorted ``os.scandir`` of the two directories
   for LOCAL): the floor under a page;
5. before 3., times how long the background count takes to show the datasource's ``nSamples``
   and ``sizeInBytes`` on the dataset (from configuring, polled every 0.5 s), and waits for it:
   a count lists the whole store, and moto answers one listing at a time, so pages timed while
   it runs would measure moto's queue;
6. the baseline: what every page cost before issue 22: the whole store listed with fsspec's
   ``find`` and sorted, once per page; timed here once per store, in this process;
7. writes ``results/datasources-<time>.json`` and the table in ``bench/README.md`` between the
   ``results:datasources`` markers.
"""

from __future__ import annotations

import argparse
import builtins
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from processes import (
    free_port,
    start_server,
    stop_server,
    wait_for_line,
    wait_until_listening,
)
from report import machine, update_readme, write_json

BEGIN, END = "<!-- results:datasources -->", "<!-- /results:datasources -->"
PER_DIRECTORY = 1000
BODY = b"x" * 64
KEY, SECRET = "bench", "bench-secret"
TARGET_MS = 200.0
MOTO_ACCOUNT = "123456789012"
"""moto's default account, whose backend the bucket is filled through."""


class RssSampler:
    """A process's resident memory every 50 ms; ``peak`` since the last ``reset`` (MB)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0.0
        self._stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def rss(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.rss())

    def reset(self) -> None:
        self.peak = self.rss()

    def stop(self) -> None:
        self._stop.set()


def name_of(index: int) -> str:
    return f"{index // PER_DIRECTORY:04d}/{index:07d}.jpg"


def flat_name(index: int) -> str:
    return f"{index:07d}.jpg"


Namer = Callable[[int], str]


def ensure_flat(root: Path, count: int) -> Path:
    """``count`` empty files in one directory, ``root/flat-<count>``, made once and reused."""
    data = root / f"flat-{count}"
    marker = root / f".complete-flat-{count}"
    if marker.exists():
        return data
    started = time.perf_counter()
    data.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        os.close(os.open(data / flat_name(index), os.O_CREAT | os.O_WRONLY, 0o644))
    marker.touch()
    print(f"made {count:,} files in one directory in {time.perf_counter() - started:.0f} s")
    return data


def ensure_files(root: Path, count: int) -> Path:
    """``count`` files under ``root/local-<count>``, made once and reused."""
    data = root / f"local-{count}"
    marker = root / f".complete-{count}"
    if marker.exists():
        return data
    started = time.perf_counter()
    for first in range(0, count, PER_DIRECTORY):
        directory = data / f"{first // PER_DIRECTORY:04d}"
        directory.mkdir(parents=True, exist_ok=True)
        for index in range(first, min(count, first + PER_DIRECTORY)):
            (data / name_of(index)).write_bytes(BODY)
    marker.touch()
    print(f"made {count:,} files in {time.perf_counter() - started:.0f} s", flush=True)
    return data


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=KEY, aws_secret_access_key=SECRET,
    )  # fmt: skip


def start_moto(count: int) -> tuple[Any, str, float]:
    """moto's server on loopback with ``count`` objects under ``bench/data/``; the server, its
    URL and the seconds filling took."""
    import logging

    from moto.backends import get_backend
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    url = f"http://{host}:{port}"
    s3_client(url).create_bucket(Bucket="bench")
    backend = get_backend("s3")[MOTO_ACCOUNT]["global"]
    started = time.perf_counter()
    for index in range(count):
        backend.put_object("bench", f"data/{name_of(index)}", BODY)
    return moto, url, time.perf_counter() - started


def lightly_apis(url: str, token: str) -> tuple[Any, Any]:
    builtins.__LIGHTLY_SETUP__ = True  # type: ignore[attr-defined]
    from lightly.openapi_generated.swagger_client import (
        ApiClient,
        Configuration,
        DatasetsApi,
        DatasourcesApi,
    )

    configuration = Configuration()
    configuration.host = url
    configuration.api_key["token"] = token
    client = ApiClient(configuration)
    return DatasetsApi(client), DatasourcesApi(client)


def configure(url: str, token: str, name: str, config: dict[str, Any], namer: Namer) -> str:
    """A dataset with this datasource, through the real client; its first two pages checked."""
    datasets, datasources = lightly_apis(url, token)
    from lightly.openapi_generated.swagger_client import DatasetCreateRequest

    dataset_id: str = datasets.create_dataset(DatasetCreateRequest(name=name)).id
    datasources.update_datasource_by_dataset_id(config, dataset_id)
    first = datasources.get_list_of_raw_samples_from_datasource_by_dataset_id(dataset_id)
    second = datasources.get_list_of_raw_samples_from_datasource_by_dataset_id(
        dataset_id, cursor=first.cursor
    )
    assert [s.file_name for s in first.data] == [namer(i) for i in range(100)], first.data[:3]
    assert [s.file_name for s in second.data] == [namer(i) for i in range(100, 200)]
    return dataset_id


def depths(total: int) -> dict[str, int]:
    """Where each sample of pages starts: the first file, the middle, near the end."""
    return {"first": 0, "middle": total // 2, "end": max(0, total - 1000)}


def cursor_at(index: int, namer: Namer = name_of) -> str | None:
    """The cursor a client holds once it has been handed every name before ``index``."""
    from modelyard.core.data.datasources.listing import Window, encode_cursor

    return encode_cursor(Window(after=namer(index - 1))) if index else None


def pages(
    http: httpx.Client, path: str, cursor: str | None, count: int | None
) -> tuple[list[float], int]:
    """``count`` pages (all of them with None) from ``cursor``: each request's ms, files."""
    times: list[float] = []
    listed = 0
    while count is None or len(times) < count:
        params = {"cursor": cursor} if cursor else {}
        started = time.perf_counter()
        response = http.get(path, params=params)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        page = response.json()
        listed += len(page["data"])
        if not page["hasMore"]:
            break
        cursor = page["cursor"]
    return times, listed


def measure(
    url: str, token: str, dataset_id: str, total: int, rss: RssSampler, *, whole: bool,
    per_depth: int, namer: Namer,
) -> dict[str, Any]:  # fmt: skip
    """Pages at each depth, and the whole walk if ``whole``; the memory meanwhile."""
    path = f"/v1/datasets/{dataset_id}/datasource/list"
    found: dict[str, Any] = {"rss_before_mb": rss.rss()}
    rss.reset()
    every: list[float] = []
    with httpx.Client(base_url=url, params={"token": token}, timeout=120) as http:
        for depth, index in depths(total).items():
            times, _ = pages(http, path, cursor_at(index, namer), per_depth)
            found[f"{depth}_ms"] = statistics.median(times)
            every += times
        if whole:
            times, listed = pages(http, path, None, None)
            assert listed == total, f"listed {listed:,} of {total:,}"
            every += times
            found |= {"walk_pages": len(times), "walk_s": sum(times) / 1000}
            found |= {"walk_p99_ms": sorted(times)[int(len(times) * 0.99) - 1]}
    found |= {"max_ms": max(every), "rss_peak_mb": rss.peak, "rss_after_mb": rss.rss()}
    return found


def floor_s3(url: str, total: int) -> dict[str, float]:
    """moto's own ``ListObjectsV2`` (StartAfter, 200 keys) at each depth, median of 3, ms."""
    client = s3_client(url)
    found = {}
    for depth, index in depths(total).items():
        query: dict[str, Any] = {"Bucket": "bench", "Prefix": "data/", "MaxKeys": 200}
        if index:
            query["StartAfter"] = f"data/{name_of(index - 1)}"
        times = []
        for _ in range(3):
            started = time.perf_counter()
            client.list_objects_v2(**query)
            times.append((time.perf_counter() - started) * 1000)
        found[depth] = statistics.median(times)
    return found


def floor_local(data: Path, total: int, namer: Namer) -> dict[str, float]:
    """The root and the directory of the depth, each read with ``os.scandir`` and sorted: what
    any sorted walk must do to start there, ms."""
    found = {}
    for depth, index in depths(total).items():
        parent = namer(index).rpartition("/")[0]
        started = time.perf_counter()
        for directory in {data, data / parent}:
            with os.scandir(directory) as scan:
                sorted(entry.name for entry in scan)
        found[depth] = (time.perf_counter() - started) * 1000
    return found


def counted(
    url: str, token: str, dataset_id: str, total: int, started: float, patience: float
) -> dict[str, Any]:
    """Seconds from configuring until the dataset shows ``total`` samples (polled)."""
    deadline = time.monotonic() + patience
    with httpx.Client(base_url=url, params={"token": token}, timeout=60) as http:
        while time.monotonic() < deadline:
            data = http.get(f"/v1/datasets/{dataset_id}").json()
            if data["nSamples"] == total:
                return {"count_s": time.perf_counter() - started, "size": data["sizeInBytes"]}
            time.sleep(0.5)
    return {"count_s": None, "size": None}


def baseline(fs: Any, root: str) -> dict[str, Any]:
    """One page as the listing before issue 22 made it: ``find`` of the store, sorted."""
    started = time.perf_counter()
    found = fs.find(root, detail=True)
    listed = sorted(path for path, info in found.items() if info.get("type") != "directory")
    return {"page_s": time.perf_counter() - started, "files": len(listed)}


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    root = Path(args.root).resolve()
    chosen = args.stores.split(",")
    results: dict[str, Any] = {"files": args.files, "objects": args.objects}
    places: dict[str, tuple[dict[str, Any], int, Namer]] = {}
    if "LOCAL" in chosen:
        data = ensure_files(root, args.files)
        places["LOCAL"] = ({"type": "LOCAL", "fullPath": str(data)}, args.files, name_of)
    if "LOCAL-flat" in chosen:
        flat = ensure_flat(root, args.files)
        places["LOCAL-flat"] = ({"type": "LOCAL", "fullPath": str(flat)}, args.files, flat_name)
    moto, moto_url, results["fill_bucket_s"] = start_moto(args.objects if "S3" in chosen else 0)
    if "S3" in chosen:
        config = {
            "type": "S3", "fullPath": "s3://bench/data", "s3Region": "us-east-1",
            "s3AccessKeyId": KEY, "s3SecretAccessKey": SECRET,
        }  # fmt: skip
        places["S3"] = (config, args.objects, name_of)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env |= {"MODELYARD_LOCAL_DATASOURCE_ROOT": str(root), "MODELYARD_S3_ENDPOINT_URL": moto_url}
    port = free_port()
    command = [sys.executable, "-m", "modelyard", "serve", "--port", str(port)]
    command += ["--data-dir", str(workdir / "data")]
    server = start_server("modelyard", command, port=port, log_path=workdir / "server.log", env=env)
    try:
        token = wait_for_line(server, "Token ", timeout=120).split()[1]
        wait_until_listening(server, "/v1/datasets", timeout=60)
        rss = RssSampler(server.pid)
        results["rss_idle_mb"] = rss.rss()
        for kind, (config, total, namer) in places.items():
            started = time.perf_counter()
            dataset_id = configure(server.url, token, kind.lower(), config, namer)
            count = counted(server.url, token, dataset_id, total, started, args.patience)
            results[kind] = measure(
                server.url, token, dataset_id, total, rss, whole=kind == "LOCAL" or args.walk_s3,
                per_depth=args.pages, namer=namer,
            )  # fmt: skip
            results[kind] |= count | {"total": total}
            if kind != "S3":
                results[kind]["floor"] = floor_local(Path(config["fullPath"]), total, namer)
            print(kind, results[kind], flush=True)
        rss.stop()
        if "S3" in places:
            results["S3"]["floor"] = floor_s3(moto_url, args.objects)
        if not args.no_baseline:
            from fsspec.implementations.local import LocalFileSystem
            from s3fs import S3FileSystem

            for kind, (config, _, _) in places.items():
                if kind == "S3":
                    s3 = S3FileSystem(key=KEY, secret=SECRET, endpoint_url=moto_url)
                    results[kind]["baseline"] = baseline(s3, "bench/data")
                else:
                    results[kind]["baseline"] = baseline(LocalFileSystem(), config["fullPath"])
                print("baseline", kind, results[kind]["baseline"], flush=True)
    finally:
        stop_server(server)
        moto.stop()
    return results


def table(results: dict[str, Any], stamp: str, machine_info: dict[str, Any]) -> str:
    dirty = " (with uncommitted changes)" if machine_info["dirty"] else ""
    lines = [
        f"Run {stamp}, {machine_info['nproc']} CPUs ({machine_info['cpu_model']}), Python "
        f"{machine_info['python']}, commit {machine_info['commit']}{dirty}; SQLite; server "
        f"idle {results['rss_idle_mb']:.0f} MB. A page is 100 files; each depth is the median "
        "of its pages; the floor is the store's own answer at that depth (see above).",
        "",
        "| datasource | files | first page | middle | near the end | slowest page "
        "| floor first / middle / end | whole walk | server RSS before / peak / after "
        "| nSamples shown after | baseline: one page before |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    kinds = [kind for kind in ("LOCAL", "LOCAL-flat", "S3") if kind in results]
    for kind in kinds:
        row = results[kind]
        total = row["total"]
        base = row.get("baseline")
        count = f"{row['count_s']:.0f} s" if row.get("count_s") is not None else "not shown"
        before = f"{base['page_s']:.1f} s" if base else "not run"
        floor = " / ".join(f"{row['floor'][d]:.1f}" for d in ("first", "middle", "end"))
        memory = (
            f"{row['rss_before_mb']:.0f} / {row['rss_peak_mb']:.0f} / {row['rss_after_mb']:.0f}"
        )
        walk = (
            f"{row['walk_pages']:,} pages in {row['walk_s']:.0f} s, p99 {row['walk_p99_ms']:.0f} ms"
            if "walk_pages" in row
            else "not run"
        )
        lines.append(
            f"| {kind} | {total:,} | {row['first_ms']:.1f} ms | {row['middle_ms']:.1f} ms "
            f"| {row['end_ms']:.1f} ms | {row['max_ms']:.1f} ms | {floor} ms | {walk} "
            f"| {memory} MB | {count} | {before} |"
        )
    verdict = {kind: typical(results[kind]) < TARGET_MS for kind in kinds}
    lines += [
        "",
        f"Target (issue 22): a page under {TARGET_MS:.0f} ms at any depth, memory flat: "
        + ", ".join(f"{k} **{'met' if ok else 'not met'}**" for k, ok in verdict.items())
        + " (judged on the median at each depth and the p99 of the whole walk; the slowest "
        "single page is in the table).",
    ]
    return "\n".join(lines)


def typical(row: dict[str, Any]) -> float:
    """The slowest of the depths' medians and the whole walk's p99."""
    return float(max(row["first_ms"], row["middle_ms"], row["end_ms"], row.get("walk_p99_ms", 0.0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--objects", type=int, default=200_000)
    parser.add_argument(
        "--root", default=str(Path(tempfile.gettempdir()) / "modelyard-bench-datasources")
    )
    parser.add_argument("--patience", type=float, default=600, help="seconds to wait for counts")
    parser.add_argument("--pages", type=int, default=20, help="pages timed at each depth")
    parser.add_argument("--walk-s3", action="store_true", help="walk every S3 page too")
    parser.add_argument(
        "--stores", default="LOCAL,LOCAL-flat,S3", help="which of LOCAL,LOCAL-flat,S3 to run"
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as workdir:
        results = run(args, Path(workdir))
    info = machine()
    results["machine"] = info
    path = write_json(results, stamp.replace(" ", "T").replace(":", ""), name="datasources")
    text = table(results, stamp, info)
    print(text)
    print(f"raw numbers: {path}")
    if not args.no_readme:
        update_readme(text, begin=BEGIN, end=END)


if __name__ == "__main__":
    main()
