"""A large CSV uploaded in chunks through the unmodified ``alchemite-apiclient`` 0.65.0.

Generates a CSV of ``--size-mb`` MB (default 1000: 1 GB) split into ``--chunks`` files (default
100), each with the header row and a row-header column, 20 float columns with some empty cells.
Then, on a fresh ``modelyard serve`` (SQLite, local artifact store):

1. the baseline: the same chunk files copied to another file on the same disk (write + fsync);
2. the upload: ``models_id_dataset_chunks_chunk_number_put`` for every chunk, in order;
3. the collation: ``models_id_dataset_uploaded_post`` (the synchronous conflict checks), then
   polling ``models_id_dataset_get`` until the status is ``uploaded`` (the background job);
4. the download: ``models_id_dataset_download_get`` (the client reads the whole CSV into one
   string), and the same URL streamed with httpx (bytes counted, not kept), beside reading the
   collated objects from disk;

and reports throughput (MB/s of CSV) for 1, 2 and 4, the time of 3, the server's CPU seconds
in each phase (from /proc: robust to a shared machine, where wall-clock times are not), the
1-minute load average before and after, and the server's resident memory: sampled every 0.2 s
(the peak while uploading, collating and downloading) and its lifetime peak (VmHWM). With
``--py-spy FILE`` the server is profiled by ``py-spy`` (if on ``PATH``) during the upload and
collation. Results go to ``results.json`` and a Markdown table on stdout.

    PYTHONPATH=src:. python bench/dataset_upload/run.py                 # 1 GB in 100 chunks
    PYTHONPATH=src:. python bench/dataset_upload/run.py --size-mb 50    # a quick look
    PYTHONPATH=src:. python bench/dataset_upload/run.py --size-mb 200 --py-spy /tmp/up.svg
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from processes import (
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    start_server,
    stop_server,
    wait_for_line,
    wait_for_quiet,
    wait_until_listening,
)
from tests.support.alchemite import apis_for, write_credentials

COLUMNS = 20
MB = 1_000_000
QUIET_PATIENCE = 120.0
"""Seconds to wait for a quiet second before uploading (the machine may be shared)."""


def make_chunks(directory: Path, size_mb: int, chunks: int) -> list[Path]:
    """``chunks`` CSV files adding up to at least ``size_mb`` MB, rows numbered across them."""
    rng = np.random.default_rng(0)
    paths, first_row, per_chunk = [], 0, size_mb * MB // chunks
    names = ["", *(f"c{i}" for i in range(COLUMNS))]
    for number in range(chunks):
        path, written = directory / f"chunk-{number:03d}.csv", 0
        with path.open("wb") as out:
            header = True
            while written < per_chunk:
                rows = 4_000
                values = rng.normal(size=(rows, COLUMNS)).round(6)
                values[rng.random(size=values.shape) < 0.05] = np.nan
                arrays = [pa.array([f"r{first_row + i}" for i in range(rows)])]
                arrays += [pa.array(values[:, i], from_pandas=True) for i in range(COLUMNS)]
                block = pa.BufferOutputStream()
                options = pacsv.WriteOptions(include_header=header, quoting_style="none")
                pacsv.write_csv(pa.table(arrays, names=names), block, options)
                data = block.getvalue().to_pybytes()
                out.write(data)
                written += len(data)
                first_row += rows
                header = False
        paths.append(path)
    return paths


def disk_baseline(paths: list[Path], directory: Path) -> float:
    """Seconds to write the same bytes to local disk (read, write, fsync per file)."""
    started = time.perf_counter()
    for path in paths:
        target = directory / path.name
        with path.open("rb") as source, target.open("wb") as out:
            while block := source.read(4 * 1024 * 1024):
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        target.unlink()
    return time.perf_counter() - started


class RssSampler:
    """The server's resident memory, sampled every 0.2 s; ``peak`` since the last ``reset``."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def field(self, name: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1]) // 1024
        return 0

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.field("VmRSS:"))

    def reset(self) -> None:
        self.peak = self.field("VmRSS:")

    def stop(self) -> None:
        self._stop.set()


def server_cpu(pid: int) -> float:
    return sum(cpu_seconds(pid))


def upload(
    url: str, token: str, paths: list[Path], rows: int, workdir: Path, rss: RssSampler, pid: int
) -> dict[str, Any]:
    from alchemite_apiclient.model.dataset import Dataset
    from alchemite_apiclient.model.model import Model

    credentials = write_credentials(workdir / "credentials.json", url, token)
    with apis_for(credentials) as apis:
        model = apis.models.models_post(Model(name="bench", training_method="alchemite"))
        headers = [f"c{i}" for i in range(COLUMNS)]
        meta = Dataset(
            name="big", row_count=rows, column_headers=headers, descriptor_columns=[0] * COLUMNS
        )
        apis.datasets.models_id_dataset_post(model, dataset=meta)
        wait_for_quiet([pid], patience=QUIET_PATIENCE)
        rss.reset()
        cpu, started = server_cpu(pid), time.perf_counter()
        busy, own = machine_busy_seconds(), time.process_time()
        times = []
        for number, path in enumerate(paths):
            at = time.perf_counter()
            with path.open("rb") as body:
                apis.datasets.models_id_dataset_chunks_chunk_number_put(model, number, body=body)
            times.append(time.perf_counter() - at)
        upload_s, upload_peak = time.perf_counter() - started, rss.peak
        upload_cpu = server_cpu(pid) - cpu
        client_cpu = time.process_time() - own
        others = machine_busy_seconds() - busy - upload_cpu - client_cpu
        time.sleep(1)
        settled = rss.field("VmRSS:")
        rss.reset()
        cpu, started = server_cpu(pid), time.perf_counter()
        apis.datasets.models_id_dataset_uploaded_post(model)
        check_s = time.perf_counter() - started
        while apis.datasets.models_id_dataset_get(model).status != "uploaded":
            time.sleep(0.1)
        collate_s, collate_peak = time.perf_counter() - started, rss.peak
        collate_cpu = server_cpu(pid) - cpu
        downloaded = download(url, apis, model, rss, pid)
    return {
        "upload_s": upload_s,
        "upload_server_cpu_s": upload_cpu,
        "upload_client_cpu_s": client_cpu,
        "upload_others_cpu_share": others / upload_s / (os.cpu_count() or 1),
        "first_chunk_s": times[0],
        "median_chunk_s": statistics.median(times),
        "upload_peak_rss_mb": upload_peak,
        "after_upload_rss_mb": settled,
        "check_s": check_s,
        "collate_s": collate_s,
        "collate_server_cpu_s": collate_cpu,
        "collate_peak_rss_mb": collate_peak,
        **downloaded,
    }


def download(url: str, apis: Any, model: str, rss: RssSampler, pid: int) -> dict[str, Any]:
    """The collated dataset read back: by the client (one string), then streamed by httpx."""
    rss.reset()
    cpu, started = server_cpu(pid), time.perf_counter()
    size = len(apis.datasets.models_id_dataset_download_get(model).encode())
    client_s = time.perf_counter() - started
    token = apis.configuration.access_token
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    started, streamed = time.perf_counter(), 0
    with httpx.stream(
        "GET", f"{url}/v0/models/{model}/dataset/download", headers=headers, timeout=600
    ) as answer:
        answer.raise_for_status()
        for block in answer.iter_raw(1 << 20):
            streamed += len(block)
    stream_s = time.perf_counter() - started
    return {
        "download_bytes": size,
        "download_client_s": client_s,
        "download_stream_s": stream_s,
        "download_server_cpu_s": server_cpu(pid) - cpu,
        "download_peak_rss_mb": rss.peak,
        "download_streamed_bytes": streamed,
    }


def disk_read(data: Path) -> tuple[int, float]:
    """Bytes and seconds to read every stored dataset object (the page cache dropped if we may)."""
    with contextlib.suppress(OSError):
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
    files = [p for p in (data / "artifacts").rglob("*") if p.is_file()]
    started, size = time.perf_counter(), 0
    for path in files:
        with path.open("rb") as source:
            while block := source.read(4 * 1024 * 1024):
                size += len(block)
    return size, time.perf_counter() - started


def start_py_spy(pid: int, output: str | None) -> subprocess.Popen[bytes] | None:
    if output is None or shutil.which("py-spy") is None:
        return None
    command = ["py-spy", "record", "-p", str(pid), "-o", output, "-r", "200", "--threads"]
    command += ["-f", "speedscope" if output.endswith(".json") else "flamegraph"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def load_average() -> float:
    return os.getloadavg()[0]


def count_rows(paths: list[Path]) -> int:
    return sum(sum(1 for _ in path.open("rb")) - 1 for path in paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1000)
    parser.add_argument("--chunks", type=int, default=100)
    parser.add_argument("--py-spy", help="profile the server into this file (.svg or .json)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelyard-bench-upload-") as scratch:
        workdir = Path(scratch)
        (workdir / "csv").mkdir()
        paths = make_chunks(workdir / "csv", args.size_mb, args.chunks)
        size = sum(p.stat().st_size for p in paths)
        rows = count_rows(paths)
        disk_s = disk_baseline(paths, workdir)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
        command = [sys.executable, "-m", "modelyard", "serve", "--port", str(port)]
        command += ["--data-dir", str(workdir / "data")]
        server = start_server(
            "modelyard", command, port=port, log_path=workdir / "server.log", env=env
        )
        spy = None
        try:
            token = wait_for_line(server, "Token ", timeout=60).split()[1]
            wait_until_listening(server, "/v0/version", timeout=60)
            rss = RssSampler(server.pid)
            idle = rss.field("VmRSS:")
            load_before = load_average()
            spy = start_py_spy(server.pid, args.py_spy)
            measured = upload(server.url, token, paths, rows, workdir, rss, server.pid)
            load_after = load_average()
            lifetime_peak = rss.field("VmHWM:")
            rss.stop()
            stored, stored_s = disk_read(workdir / "data")
        finally:
            if spy is not None:
                spy.send_signal(2)
                spy.wait(60)
            stop_server(server)
    results = {
        "csv_bytes": size,
        "chunks": args.chunks,
        "rows": rows,
        "disk_s": disk_s,
        "disk_mb_s": size / MB / disk_s,
        "upload_mb_s": size / MB / measured["upload_s"],
        "idle_rss_mb": idle,
        "server_peak_rss_mb": lifetime_peak,
        "stored_bytes": stored,
        "stored_read_s": stored_s,
        "load_before": load_before,
        "load_after": load_after,
        "cpus": os.cpu_count(),
        **measured,
    }
    (Path(__file__).parent / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(render(results))


def render(r: dict[str, Any]) -> str:
    gb = r["csv_bytes"] / 1e9
    share = r["upload_mb_s"] / r["disk_mb_s"]
    rss = (
        f"{r['idle_rss_mb']} / {r['upload_peak_rss_mb']} / {r['after_upload_rss_mb']} / "
        f"{r['collate_peak_rss_mb']} / {r['download_peak_rss_mb']} MB"
    )
    down = r["download_bytes"] / MB
    read_mb_s = r["stored_bytes"] / MB / r["stored_read_s"]
    return "\n".join(
        [
            "| measure | value |",
            "|---|---|",
            f"| CSV | {r['csv_bytes'] / MB:,.0f} MB, {r['rows']:,} rows x {COLUMNS} columns, "
            f"{r['chunks']} chunks |",
            f"| 1-minute load average before / after ({r['cpus']} CPUs) | "
            f"{r['load_before']:.2f} / {r['load_after']:.2f} |",
            f"| local disk (copy + fsync per chunk) | {r['disk_s']:.1f} s, "
            f"{r['disk_mb_s']:,.0f} MB/s |",
            f"| upload through the client | {r['upload_s']:.1f} s, {r['upload_mb_s']:,.1f} MB/s "
            f"({share:.0%} of disk) |",
            f"| CPU uploading: server / client | {r['upload_server_cpu_s']:.1f} s "
            f"({r['upload_server_cpu_s'] / gb:.1f} s per GB) / {r['upload_client_cpu_s']:.1f} s "
            f"({r['upload_client_cpu_s'] / gb:.1f} s per GB) |",
            f"| other processes' share of the CPUs while uploading | "
            f"{max(r['upload_others_cpu_share'], 0):.0%} |",
            f"| one chunk: the first (pyarrow imported) / the median | "
            f"{r['first_chunk_s'] * 1000:.0f} ms / {r['median_chunk_s'] * 1000:.0f} ms "
            f"({r['csv_bytes'] / r['chunks'] / MB / r['median_chunk_s']:,.0f} MB/s) |",
            f"| `POST .../uploaded` (conflict checks) | {r['check_s']:.1f} s |",
            f"| until `uploaded` (checks + collate job) | {r['collate_s']:.1f} s, server CPU "
            f"{r['collate_server_cpu_s']:.1f} s |",
            f"| download through the client (one string) | {r['download_client_s']:.1f} s, "
            f"{down / r['download_client_s']:,.0f} MB/s |",
            f"| download streamed (httpx, bytes counted) | {r['download_stream_s']:.1f} s, "
            f"{r['download_streamed_bytes'] / MB / r['download_stream_s']:,.0f} MB/s; server CPU "
            f"of both downloads {r['download_server_cpu_s']:.1f} s |",
            f"| stored objects read from disk | {r['stored_bytes'] / MB:,.0f} MB, "
            f"{read_mb_s:,.0f} MB/s |",
            f"| server RSS: idle / peak uploading / 1 s after / peak collating / peak downloading "
            f"| {rss} |",
            f"| server lifetime peak RSS (VmHWM) | {r['server_peak_rss_mb']} MB |",
        ]
    )


if __name__ == "__main__":
    main()
