"""The process supervisor: every deployment's pool of instances, and the reaper that tends them.

All instance I/O runs on one asyncio event loop, with no thread per request: the server's own
loop once it calls ``bind_loop`` (so a direct request awaited there never leaves it), else a
daemon loop thread the supervisor starts on first use. ``request`` may be awaited on any loop
(from another it hops over with ``run_coroutine_threadsafe``); ``request_blocking`` serves
plain threads (batch workers, pipelines, document jobs). Deploying and undeploying wait for
instances to start or stop, so they block their calling thread and refuse to run on the
supervisor's loop; shutting down there kills every instance at once. A request waits for an
instance of its deployment, never for another.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from modelyard.runtime.errors import NotDeployedError
from modelyard.runtime.instance import AsyncInstance, LoopThread, NotStarted, RequestTimeout
from modelyard.runtime.pool import Handed, Pool, PoolClosed
from modelyard.runtime.spec import InstanceSpec, LogSink, RequestOutcome, emit

DEFAULT_REAP_INTERVAL = 1.0
DEFAULT_START_TIMEOUT = 600.0

T = TypeVar("T")


class Supervisor:
    """Runs deployments as pools of shim instances in this process's machine."""

    def __init__(
        self,
        log_sink: LogSink,
        *,
        reap_interval: float = DEFAULT_REAP_INTERVAL,
        start_timeout: float = DEFAULT_START_TIMEOUT,
    ) -> None:
        self._sink = log_sink
        self._start_timeout = start_timeout
        self._reap_interval = reap_interval
        self._pools: dict[str, Pool] = {}
        self._retired: list[Pool] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._own: LoopThread | None = None
        self._reaper: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._shut = False

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Serve instances on ``loop`` (the server's, running) instead of a thread of our own;
        call it before the first deploy or request."""
        with self._lock:
            if self._loop is not None:
                raise RuntimeError("bind_loop must come before the first deploy or request")
            self._loop = loop
        loop.call_soon_threadsafe(self._start_reaper)

    def deploy(self, spec: InstanceSpec) -> None:
        """Serve ``spec``, replacing any deployment with its key; returns once warm. Refused
        (RuntimeError) once a shutdown has begun."""
        check_spec(spec)
        self._wait(self._deploy(spec))

    def undeploy(self, key: str) -> None:
        """Stop serving ``key``; requests in flight finish, waiting ones fail."""
        self._wait(self._undeploy(key))

    async def request(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """Run one request on a free instance; ``timeout`` covers waiting and running."""
        loop = self._loop_in_use()
        work = self._request(key, data, request_id=request_id, timeout=timeout)
        if _running_on(loop):
            return await work
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))

    def request_blocking(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """``request`` for a plain thread; on the supervisor's loop it would stall every
        request, so it raises RuntimeError there."""
        loop = self._loop_in_use()
        if _running_on(loop):
            raise RuntimeError("request_blocking was called on the supervisor's event loop")
        return _block_on(loop, self._request(key, data, request_id=request_id, timeout=timeout))

    def shutdown(self) -> None:
        """Stop the reaper and every instance, killing those still serving a request. Called
        on the supervisor's loop (a server's lifespan ending) it cannot wait for that loop, so
        it kills every instance right there: the loop has nothing left to serve by then."""
        if self._loop is None or self._shut:
            return
        if _running_on(self._loop):
            self._kill_everything()
        else:
            self._wait(self._shutdown())
        self._shut = True
        if self._own is not None:
            self._own.close()

    def instance_count(self, key: str) -> int:
        """How many instances of ``key`` are running (idle or busy)."""
        return len(self.pids(key))

    def pids(self, key: str) -> list[int]:
        """The process ids of ``key``'s running instances; from any thread, the loop's too."""
        loop = self._loop
        if loop is None or self._shut:
            return []
        return self._read(loop, lambda: self._pids(key))

    def loads(self, key: str) -> list[int]:
        """How many requests each running instance of ``key`` holds (the one its model works
        on and those waiting in its pipe), highest first; from any thread."""
        loop = self._loop
        if loop is None or self._shut:
            return []
        return self._read(loop, lambda: self._loads(key))

    def _loads(self, key: str) -> list[int]:
        pool = self._pools.get(key)
        return [] if pool is None else sorted(pool.loads(), reverse=True)

    def _pids(self, key: str) -> list[int]:
        pool = self._pools.get(key)
        return [] if pool is None else sorted(i.pid for i in pool.instances() if i.alive)

    async def _deploy(self, spec: InstanceSpec) -> None:
        if self._stopping.is_set():  # a pool made now would outlive the shutdown's list
            raise RuntimeError("the supervisor is shutting down")
        pool = Pool(spec, self._sink, start_timeout=self._start_timeout)
        old = self._pools.get(spec.key)
        self._pools[spec.key] = pool
        if old is not None:
            await self._retire(old)
        await pool.fill()

    async def _undeploy(self, key: str) -> None:
        pool = self._pools.pop(key, None)
        if pool is not None:
            await self._retire(pool)

    async def _retire(self, pool: Pool) -> None:
        """Close a replaced or removed pool, kept until its busy and starting instances are
        stopped so that a shutdown still finds them."""
        self._retired.append(pool)
        await pool.close()

    async def _request(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pool, instance = await self._acquire(key, deadline)
            remaining = None if deadline is None else deadline - time.monotonic()
            if isinstance(instance, AsyncInstance) and remaining is not None and remaining <= 0:
                pool.release(instance)
                instance = None
            if not isinstance(instance, AsyncInstance):
                return self._refused(key, request_id, instance or _waited(timeout))
            try:
                return await instance.call(request_id, data, timeout=remaining)
            except RequestTimeout as timed_out:
                if not timed_out.started:
                    return self._refused(key, request_id, _waited(timeout))
                return self._refused(key, request_id, _timed_out(timeout))
            except NotStarted:
                continue  # its instance ended before the model saw it: another one takes it
            finally:
                pool.release(instance)

    def _refused(self, key: str, request_id: str, reason: str) -> RequestOutcome:
        emit(self._sink, key, request_id, "system", reason)
        return RequestOutcome(False, None, reason)

    async def _acquire(self, key: str, deadline: float | None) -> tuple[Pool, Handed | None]:
        """An instance of the current deployment of ``key``, following it if it is replaced."""
        while True:
            pool = self._pools.get(key)
            if pool is None:
                raise NotDeployedError(key)
            try:
                return pool, pool.take() or await pool.wait(deadline)
            except PoolClosed:
                continue

    async def _shutdown(self) -> None:
        self._stopping.set()
        if self._reaper is not None:
            await self._reaper
        pools = [*self._pools.values(), *self._retired]
        self._pools.clear()
        self._retired.clear()
        await asyncio.gather(*(pool.close(kill_busy=True) for pool in pools))

    def _kill_everything(self) -> None:
        self._stopping.set()
        if self._reaper is not None:
            self._reaper.cancel()
        pools = [*self._pools.values(), *self._retired]
        self._pools.clear()
        self._retired.clear()
        for pool in pools:
            pool.kill_at_once()

    def _start_reaper(self) -> None:
        self._reaper = asyncio.get_running_loop().create_task(self._reap_loop())

    async def _reap_loop(self) -> None:
        while not await self._stopped_within(self._reap_interval):
            for pool in list(self._pools.values()):
                try:
                    pool.reap(time.monotonic())
                    await pool.enforce_disk()
                except Exception as error:
                    emit(self._sink, pool.spec.key, None, "system", f"reaper failed: {error}")
            self._retired = [pool for pool in self._retired if not pool.settled]

    async def _stopped_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        return self._stopping.is_set()

    def _loop_in_use(self) -> asyncio.AbstractEventLoop:
        """The loop instances are served on, starting a thread of our own on first use."""
        loop = self._loop
        if loop is not None and not self._shut:
            return loop
        with self._lock:
            if self._shut:
                raise RuntimeError("the supervisor has been shut down")
            if self._loop is None:
                self._own = LoopThread("supervisor")
                self._loop = self._own.loop
                self._loop.call_soon_threadsafe(self._start_reaper)
            return self._loop

    def _wait(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on the loop and block this thread until it is done."""
        loop = self._loop_in_use()
        if _running_on(loop):
            work.close()
            raise RuntimeError(
                "deploy and undeploy block until instances start or stop; "
                "call them from a thread, not on the supervisor's event loop"
            )
        return _block_on(loop, work)

    @staticmethod
    def _read(loop: asyncio.AbstractEventLoop, read: Callable[[], T]) -> T:
        """The value of ``read``, taken on the loop that owns the state it reads (or here, if
        that loop has stopped: a metrics sampler must not hang on it)."""
        if _running_on(loop) or not loop.is_running():
            return read()

        async def on_loop() -> T:
            return read()

        return _block_on(loop, on_loop())


STOPPED_CHECK_SECONDS = 0.5
"""How often a thread blocked on the loop checks that the loop still runs."""


def _block_on(loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` as a task on ``loop`` and block this thread until it is done. A bare lock
    instead of ``run_coroutine_threadsafe``'s future, condition and chained callbacks: every
    request of a plain thread makes this round trip."""
    finished = threading.Lock()
    finished.acquire()
    tasks: list[asyncio.Task[T]] = []
    abandoned: list[bool] = []

    def begin() -> None:
        if abandoned:
            return
        task = loop.create_task(work)
        task.add_done_callback(lambda _: finished.release())
        tasks.append(task)

    try:
        loop.call_soon_threadsafe(begin)
    except RuntimeError:
        work.close()
        raise
    while not finished.acquire(timeout=STOPPED_CHECK_SECONDS):
        if not loop.is_running():  # stopped before or while running ``work``: never finishes
            abandoned.append(True)
            if inspect.getcoroutinestate(work) == inspect.CORO_CREATED:
                work.close()  # never started, and nothing will start it now
            raise RuntimeError("the supervisor's event loop stopped before the work finished")
    if tasks[0].cancelled():  # by the loop's own shutdown
        raise RuntimeError("the supervisor's event loop stopped before the work finished")
    return tasks[0].result()


def _running_on(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether this thread is running ``loop`` (so blocking on it would stall it)."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def check_spec(spec: InstanceSpec) -> None:
    """Refuse a spec whose limits cannot be met, naming the field."""
    if spec.maximum_instances < 1:
        raise ValueError("maximum_instances must be at least 1")
    if not 0 <= spec.minimum_instances <= spec.maximum_instances:
        raise ValueError("minimum_instances must be between 0 and maximum_instances")
    if spec.memory_mb < 1:
        raise ValueError("memory_mb must be positive")
    if spec.maximum_idle_time < 0:
        raise ValueError("maximum_idle_time must not be negative")


def _waited(timeout: float | None) -> str:
    return f"the request timed out after {timeout:g} seconds waiting for a free instance"


def _timed_out(timeout: float | None) -> str:
    return f"the request timed out after {timeout:g} seconds; its instance was stopped"
