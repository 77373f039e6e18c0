"""The machine a run was on, the verdict against DESIGN §7, and where the results are written."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
README = BENCH_DIR / "README.md"
RESULTS_DIR = BENCH_DIR / "results"
BEGIN = "<!-- results:direct_request -->"
END = "<!-- /results -->"

THROUGHPUT_SHARE = 0.70
P50_MARGIN_MS = 0.5
CACHED_BUILD_S = 2.0


@dataclass(frozen=True)
class Verdict:
    """One DESIGN §7 target: what it asks, what was measured, whether it was met."""

    target: str
    measured: str
    met: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "measured": self.measured, "met": self.met}


def machine() -> dict[str, Any]:
    """nproc, CPU model, Python, uvicorn's loop and HTTP choices, and the code measured."""
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "uvloop": find_spec("uvloop") is not None,
        "httptools": find_spec("httptools") is not None,
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def cpu_model() -> str:
    text = Path("/proc/cpuinfo").read_text()
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return found[1].strip() if found else platform.processor() or "unknown"


def git(*args: str) -> str:
    """A read-only git query on the repository (never takes the index lock)."""
    completed = subprocess.run(
        ["git", "--no-optional-locks", "-C", str(REPO_DIR), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.stdout.strip() if completed.returncode == 0 else "unknown"


def verdicts(load: dict[str, dict[str, Any]], cached_build_s: float) -> list[Verdict]:
    """Compare modelyard (maximum_instances 2) with the bare echo at each concurrency."""
    found = []
    for connections in sorted({row["connections"] for row in load.values()}):
        bare = load.get(f"bare-c{connections}")
        ours = load.get(f"modelyard-max2-c{connections}")
        if bare is None or ours is None:
            continue
        share = ours["requests_per_second"] / bare["requests_per_second"]
        extra = ours["p50_ms"] - bare["p50_ms"]
        found.append(
            Verdict(
                f"throughput ≥ {THROUGHPUT_SHARE:.0%} of bare, c={connections}",
                f"{share:.0%}",
                share >= THROUGHPUT_SHARE,
            )
        )
        found.append(
            Verdict(
                f"p50 ≤ bare + {P50_MARGIN_MS} ms, c={connections}",
                f"{extra:+.2f} ms",
                extra <= P50_MARGIN_MS,
            )
        )
    found.append(
        Verdict(
            f"cached build < {CACHED_BUILD_S:g} s",
            f"{cached_build_s:.2f} s",
            cached_build_s < CACHED_BUILD_S,
        )
    )
    return found


def write_json(results: dict[str, Any], stamp: str, *, name: str = "direct_request") -> Path:
    """Save the raw numbers under bench/results/ (git-ignored) as ``<name>-<stamp>.json``."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


def update_readme(section: str, *, begin: str = BEGIN, end: str = END) -> None:
    """Replace the text between a benchmark's result markers in bench/README.md (append the
    markers if missing)."""
    text = README.read_text() if README.exists() else "# Benchmarks\n"
    block = f"{begin}\n{section.strip()}\n{end}"
    if begin in text and end in text.split(begin, 1)[1]:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(text)


TRUSTED_OTHER_SHARE = 0.25


def caveat(settings: dict[str, Any], other_share: float) -> str | None:
    """A warning line for a run whose numbers are not for comparison: short runs, a single
    round, or other processes taking a large share of the CPUs."""
    reasons = []
    if settings["duration"] < 10 or settings["rounds"] < 3:
        reasons.append(f"{settings['duration']:g} s runs, {settings['rounds']} round(s)")
    if other_share > TRUSTED_OTHER_SHARE:
        reasons.append(f"other processes took up to {other_share:.0%} of the CPUs")
    if not reasons:
        return None
    return f"- **a quick or disturbed run, not for comparison** ({'; '.join(reasons)})"
