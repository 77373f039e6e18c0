"""What the sandbox costs: instance cold start and a warm request, with and without it, in one run.

Runs a no-op model through the runtime's own ``Instance`` (the launcher every executor uses),
alternating the two modes so that machine noise hits both alike, and prints a Markdown table.

    .venv/bin/python bench/sandbox.py [--starts 30] [--requests 3000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from modelyard.runtime.instance import Instance
from modelyard.runtime.sandbox import Sandbox, probe
from modelyard.runtime.spec import InstanceSpec, LogRecord

NOOP = (
    "class Model:\n    def __init__(self, b, c): pass\n    def request(self, data): return data\n"
)


def spec(root: Path, sandbox: Sandbox, name: str) -> InstanceSpec:
    package = root / name / "model_package"
    package.mkdir(parents=True)
    (package / "model.py").write_text(NOOP)
    return InstanceSpec(
        key=f"bench-{name}",
        python=sys.executable,
        package_dir=str(package),
        scratch_dir=str(root / name / "scratch"),
        sandbox=sandbox,
    )


def quiet(_: LogRecord) -> None:
    return None


def cold_start(target: InstanceSpec) -> float:
    started = time.perf_counter()
    instance = Instance.start(target, quiet, timeout=30)
    instance.call("r", {"x": 1}, timeout=10)
    elapsed = time.perf_counter() - started
    instance.stop()
    return elapsed


def warm_requests(target: InstanceSpec, count: int) -> list[float]:
    instance = Instance.start(target, quiet, timeout=30)
    times = []
    for n in range(count):
        started = time.perf_counter()
        instance.call(f"r{n}", {"x": n}, timeout=10)
        times.append(time.perf_counter() - started)
    instance.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=30)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    found = probe()
    if found.sandbox is None:
        sys.exit(f"no sandbox here: {found.reason}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        modes = {"plain subprocess (off)": Sandbox.off(), "sandboxed": found.sandbox}
        specs = {
            label: spec(root, sandbox, str(i)) for i, (label, sandbox) in enumerate(modes.items())
        }
        starts: dict[str, list[float]] = {label: [] for label in modes}
        for _ in range(args.starts):
            for label, target in specs.items():
                starts[label].append(cold_start(target))
        warm = {label: warm_requests(target, args.requests) for label, target in specs.items()}
    print("| mode | cold start, median ms | cold start p90 ms | warm request p50 ms | p99 ms |")
    print("|---|--:|--:|--:|--:|")
    for label in modes:
        cold = sorted(starts[label])
        times = sorted(warm[label])
        print(
            f"| {label} | {statistics.median(cold) * 1000:.1f} | "
            f"{cold[int(len(cold) * 0.9) - 1] * 1000:.1f} | "
            f"{times[len(times) // 2] * 1000:.3f} | {times[int(len(times) * 0.99)] * 1000:.3f} |"
        )


if __name__ == "__main__":
    main()
