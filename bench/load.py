"""Running wrk against one endpoint and reading its report."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

WRK = "/usr/bin/wrk"


def require_wrk() -> None:
    """Stop with what to install when wrk is missing."""
    if not os.path.exists(WRK):
        sys.exit(f"wrk is not at {WRK}: install it first (apt-get install -y wrk)")


SCRIPT = Path(__file__).with_name("post.lua")
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
PERCENTILE = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)


@dataclass(frozen=True)
class Target:
    """What to load: a URL, the Authorization header to send, a substring every answer has;
    the method, the body and any further headers (``name: value``) when not a JSON POST of
    ``"hi"``."""

    name: str
    url: str
    auth: str
    expect: str
    method: str = "POST"
    body: str = '"hi"'
    headers: tuple[str, ...] = ()
    vary: str = ""
    """A header sent with a new value on every request (a counter), if any."""


@dataclass(frozen=True)
class LoadResult:
    """One wrk run: throughput, latency percentiles (ms), and anything that went wrong."""

    target: str
    connections: int
    threads: int
    seconds: float
    requests: int
    requests_per_second: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    bad_responses: int
    socket_errors: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_wrk(target: Target, *, connections: int, threads: int, seconds: float) -> LoadResult:
    """Run wrk for ``seconds`` with ``connections`` open connections on ``threads`` threads."""
    command = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(SCRIPT),
        target.url,
    ]
    env = {
        **os.environ,
        "BENCH_AUTH": target.auth,
        "BENCH_EXPECT": target.expect,
        "BENCH_METHOD": target.method,
        "BENCH_BODY": target.body,
        "BENCH_HEADERS": "\n".join(target.headers),
        "BENCH_VARY": target.vary,
    }
    completed = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr}")
    return parse_report(completed.stdout, target.name, connections, threads, seconds)


def parse_report(
    text: str, target: str, connections: int, threads: int, seconds: float
) -> LoadResult:
    """The numbers in wrk's ``--latency`` report (and our script's ``bad_responses`` line)."""
    percentiles = {int(p): to_ms(value, unit) for p, value, unit in PERCENTILE.findall(text)}
    requests = re.search(r"^\s*(\d+) requests in", text, re.M)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    bad = re.search(r"^bad_responses (\d+)", text, re.M)
    socket_errors = re.search(r"^\s*Socket errors: (.*)$", text, re.M)
    if requests is None or rate is None or bad is None or len(percentiles) != 4:
        raise RuntimeError(f"cannot read the wrk report:\n{text}")
    return LoadResult(
        target=target,
        connections=connections,
        threads=threads,
        seconds=seconds,
        requests=int(requests[1]),
        requests_per_second=float(rate[1]),
        p50_ms=percentiles[50],
        p75_ms=percentiles[75],
        p90_ms=percentiles[90],
        p99_ms=percentiles[99],
        bad_responses=int(bad[1]),
        socket_errors=socket_errors[1].strip() if socket_errors else None,
    )


def to_ms(value: str, unit: str) -> float:
    """A wrk duration (``812.00us``, ``1.23ms``, ``2.01s``) in milliseconds."""
    return float(value) * UNITS[unit]


def wrk_version() -> str:
    """wrk's version line (it prints it with its usage, on stderr)."""
    completed = subprocess.run([WRK, "-v"], capture_output=True, text=True, check=False)
    first = (completed.stdout + completed.stderr).strip().splitlines()
    return first[0] if first else "unknown"
