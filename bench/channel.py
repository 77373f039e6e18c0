"""What the instance channel costs: requests/s and the server's CPU per request for a no-op
model, at concurrency 1 and 32, through the supervisor alone (no HTTP, no database).

An asyncio runtime is driven as the server drives it: ``bind_loop`` with the driver's loop
(uvloop, as ``modelyard serve`` runs, unless ``--loop asyncio``) and c clients awaiting
``request`` there. ``--threads`` (and any older runtime, whose ``request`` blocks) has c threads
call the blocking entry instead, as batch workers do: on a uvloop loop bound in a thread of its
own, or with ``--loop asyncio`` on the supervisor's own loop. To compare with an earlier
runtime, run this same script against its sources:

    .venv/bin/python bench/channel.py [--requests 20000] [--threads] [--loop asyncio]
    git archive <rev> src | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src .venv/bin/python bench/channel.py
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from modelyard.runtime.sandbox import Sandbox
from modelyard.runtime.spec import InstanceSpec, LogRecord
from modelyard.runtime.supervisor import Supervisor

NOOP = (
    "class Model:\n    def __init__(self, b, c): pass\n    def request(self, data): return data\n"
)
KEY = "bench-channel"


def spec(root: Path, instances: int) -> InstanceSpec:
    """A no-op model, unsandboxed: the sandbox changes nothing about the pipes measured here."""
    package = root / f"i{instances}" / "model_package"
    package.mkdir(parents=True, exist_ok=True)
    (package / "model.py").write_text(NOOP)
    return InstanceSpec(
        key=KEY,
        python=sys.executable,
        package_dir=str(package),
        scratch_dir=str(package.parent / "scratch"),
        sandbox=Sandbox.off(),
        minimum_instances=instances,
        maximum_instances=instances,
    )


def quiet(_: LogRecord) -> None:
    return None


def timed(run: Callable[[], None]) -> tuple[float, float]:
    """Wall and process CPU seconds (every thread of this process) that ``run`` took."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


async def on_loop(target: InstanceSpec, concurrency: int, count: int) -> tuple[float, float]:
    supervisor = Supervisor(quiet)
    supervisor.bind_loop(asyncio.get_running_loop())
    await asyncio.to_thread(supervisor.deploy, target)

    async def client(requests: int) -> None:
        for n in range(requests):
            await supervisor.request(KEY, {"n": n}, request_id=f"r{n}", timeout=30)

    async def burst(requests: int) -> None:
        await asyncio.gather(*(client(requests // concurrency) for _ in range(concurrency)))

    try:
        await burst(concurrency * 20)
        wall, cpu = time.perf_counter(), time.process_time()
        await burst(count)
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        await asyncio.to_thread(supervisor.shutdown)


def serving_loop() -> asyncio.AbstractEventLoop:
    """A loop running in a thread of its own, as the server's runs beside its worker threads."""
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    return loop


def in_threads(
    target: InstanceSpec, concurrency: int, count: int, *, bind: bool
) -> tuple[float, float]:
    supervisor = Supervisor(quiet)
    if bind:
        supervisor.bind_loop(serving_loop())
    call: Any = getattr(supervisor, "request_blocking", supervisor.request)
    supervisor.deploy(target)

    def client(requests: int) -> None:
        for n in range(requests):
            call(KEY, {"n": n}, request_id=f"r{n}", timeout=30)

    def burst(requests: int) -> None:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(client, [requests // concurrency] * concurrency))

    try:
        burst(concurrency * 20)
        return timed(lambda: burst(count))
    finally:
        supervisor.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--threads", action="store_true", help="drive from threads")
    parser.add_argument("--instances", type=int, default=4, help="instances at concurrency 32")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asynchronous = inspect.iscoroutinefunction(Supervisor.request)
    threads = args.threads or not asynchronous
    driver = f"bound {args.loop} loop" if asynchronous else "thread runtime"
    if threads and asynchronous:
        driver = "threads, " + (driver if args.loop == "uvloop" else "own asyncio loop")
    print("| driver | concurrency | instances | requests/s | server CPU µs/request |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for concurrency, instances in ((1, 1), (32, args.instances)):
            target = spec(Path(folder), instances)
            count = args.requests - args.requests % concurrency
            if threads:
                bind = asynchronous and args.loop == "uvloop"
                wall, cpu = in_threads(target, concurrency, count, bind=bind)
            else:
                wall, cpu = asyncio.run(on_loop(target, concurrency, count))
            print(
                f"| {driver} | {concurrency} | {instances} | {count / wall:,.0f} "
                f"| {cpu / count * 1e6:,.0f} |"
            )


if __name__ == "__main__":
    main()
