"""Where modelyard's time goes under load: py-spy samples while wrk runs, summarised by thread.

py-spy (``pip install py-spy``) samples every thread of the server, idle ones included
(``--idle --threads``), pausing the process for each sample so that stacks are consistent
(profiled runs are therefore slower than measured ones: read shares, not times). Two py-spy
shortcuts proved misleading on this stack and are not used: its own idle detection (it calls a
thread busy in a blocking read and idle in the thread pool's database work) and ``--gil`` (which
credited the event loop with most of the GIL while /proc showed the pool threads using twice its
CPU). Instead a sample counts as busy unless its innermost frame is a known wait (a condition,
a queue, the selector, an instance's pipes), and the CPU each thread kind really used during
the run is read from /proc alongside.

Per thread kind (the event loop ``MainThread``, the ``AnyIO worker thread`` pool where database
work and the instance round trip run) the summary gives busy samples by library, modelyard's
frames (inclusive) and the innermost lines. Model instances are other processes and are not
sampled (their CPU is in the load table). Raw stacks go to bench/results/.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from load import Target, run_wrk
from processes import Server, signal_group
from report import RESULTS_DIR

RATE = 250
TOP = 20
THREAD_KINDS = ("MainThread", "AnyIO worker thread")
IDLE_LEAVES = (
    "Condition.wait",
    "Queue.get",
    "Event.wait",
    "EpollSelector.select",
    "_read_exact",
    "Instance._read_stderr",
    "LogWriter._drain",
)
OUTER_FRAMES = ("(modelyard/__main__.py:", "(modelyard/cli/")
FRAME_FILE = re.compile(r"\((?P<file>[^()]*?)(?::\d+)?\)$")
THREAD = re.compile(r"^thread \((?P<tid>\d+)\): (?P<name>.*)$")

Stack = tuple[int, str, list[str], int]


@dataclass(frozen=True)
class Load:
    """One wrk run to profile under."""

    target: Target
    connections: int
    threads: int
    seconds: float


def py_spy() -> str:
    """The py-spy beside this interpreter, or on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is not installed (pip install py-spy)")
    return found


def profile_modelyard(
    server: Server, plan: dict[str, tuple[Target, Server]], seconds: float
) -> dict[str, str]:
    """Record modelyard (maximum_instances 2) under wrk at c=1 and c=32; return summaries."""
    target, _ = plan["modelyard-max2"]
    summaries = {}
    for connections, threads in ((1, 1), (32, 2)):
        output = RESULTS_DIR / f"profile-c{connections}.txt"
        cpu = record(server.pid, output, Load(target, connections, threads, seconds))
        summary = summarize(output.read_text(), cpu)
        print(f"\n## py-spy, modelyard c={connections} ({output})\n\n{summary}", flush=True)
        summaries[f"c{connections}"] = summary
    return summaries


def record(pid: int, output: Path, load: Load) -> dict[int, float]:
    """py-spy ``pid`` in raw (collapsed) format during one wrk run; returns each thread's CPU
    seconds over the run."""
    RESULTS_DIR.mkdir(exist_ok=True)
    command = [py_spy(), "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw"]
    command += ["--idle", "--threads", "--duration", f"{load.seconds + 1:g}"]
    before = thread_cpu(pid)
    spy = subprocess.Popen(
        [*command, "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        run_wrk(
            load.target, connections=load.connections, threads=load.threads, seconds=load.seconds
        )
        spy.wait(timeout=load.seconds + 60)
    finally:
        if spy.poll() is None:
            signal_group(spy.pid, signal.SIGKILL)
            spy.wait()
    return {tid: used - before.get(tid, 0.0) for tid, used in thread_cpu(pid).items()}


def thread_cpu(pid: int) -> dict[int, float]:
    """User + system CPU seconds of each live thread of ``pid``."""
    found = {}
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf(
            "SC_CLK_TCK"
        )
    return found


def parse(raw: str) -> list[Stack]:
    """Collapsed stacks as (thread id, thread name, frames root first, samples)."""
    stacks = []
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        head, *frames = stack.split(";")
        thread = THREAD.match(head)
        if thread and frames and count.isdigit():
            stacks.append((int(thread["tid"]), thread["name"], frames, int(count)))
    return stacks


def summarize(raw: str, cpu: dict[int, float]) -> str:
    """The CPU of each thread kind (from /proc), then its busy samples in detail."""
    stacks = parse(raw)
    kinds = {tid: name for tid, name, _, _ in stacks}
    total_cpu = sum(cpu.values()) or 1.0
    parts = [cpu_by_thread_name(cpu, kinds, total_cpu)]
    for kind in THREAD_KINDS:
        used = sum(seconds for tid, seconds in cpu.items() if kinds.get(tid) == kind)
        mine = [(frames, n) for _, name, frames, n in stacks if name == kind]
        busy = [(frames, n) for frames, n in mine if not frames[-1].startswith(IDLE_LEAVES)]
        head = f"{kind}: {used:.2f} CPU s ({used / total_cpu:.0%} of the server's)"
        parts.append(thread_summary(head, busy))
    return "\n\n".join(parts)


def cpu_by_thread_name(cpu: dict[int, float], kinds: dict[int, str], total: float) -> str:
    """CPU seconds of the server's threads over the run, grouped by name (from /proc)."""
    by_name: Counter[str] = Counter()
    for tid, seconds in cpu.items():
        by_name[re.sub(r"-\d+$", "-N", kinds.get(tid, "unnamed"))] += seconds
    rows = [
        f"  {seconds:6.2f} s {seconds / total:4.0%}  {name}"
        for name, seconds in by_name.most_common()
    ]
    return "\n".join([f"server CPU by thread, {total:.2f} s in all:", *rows])


def thread_summary(head: str, busy: list[tuple[list[str], int]]) -> str:
    """Busy samples of one thread kind: by library, modelyard frames, innermost lines."""
    total = sum(n for _, n in busy) or 1
    libraries: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for frames, n in busy:
        libraries[library(frames[-1])] += n
        leaves[frames[-1]] += n
        for frame in set(frames):
            if "modelyard/" in frame and not any(o in frame for o in OUTER_FRAMES):
                ours[frame] += n
    return "\n".join(
        [
            f"{head}; {total} busy samples",
            block("innermost frame by library", libraries, total),
            block("modelyard frames, inclusive", ours, total),
            block("innermost lines", leaves, total),
        ]
    )


def library(frame: str) -> str:
    """The package a frame's file is in: ``modelyard.core``, ``sqlalchemy``, or ``stdlib``."""
    match = FRAME_FILE.search(frame)
    path = match["file"] if match else ""
    if path.startswith("modelyard/"):
        return "modelyard." + path.split("/")[1].removesuffix(".py")
    head = path.split("/")[0]
    return head if "/" in path and head not in sys.stdlib_module_names else "stdlib"


def block(title: str, counts: Counter[str], total: int) -> str:
    rows = [f"  {100 * n / total:5.1f}%  {name}" for name, n in counts.most_common(TOP)]
    return "\n".join([f"{title}:", *rows])
