"""The instances of one deployment and the queue of requests waiting for one of them.

A pool lives on the supervisor's event loop and is touched only there, so it needs no lock: a
request takes an idle instance or joins a FIFO of futures, and every change (a release, a
finished start, a reap) hands idle instances to the oldest waiting requests. A new instance is
started in the background while more requests wait than instances are starting, up to
``maximum_instances``. Instances that fail to start are retried with a growing back-off, so a
model that cannot load does not spin; requests arriving meanwhile fail at once with the model's
start-up error. The disk-usage walk and clearing a scratch directory run off the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import time
from collections import deque
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeAlias

from modelyard.runtime.errors import InstanceStartError
from modelyard.runtime.instance import AsyncInstance, off_loop
from modelyard.runtime.spec import InstanceSpec, LogSink, emit

MAX_BACKOFF = 60.0
KEPT_PREFIXES = ("request-", "job-")
SETTLE_TIMEOUT = 10.0
PIPELINE_DEPTH = 16
"""How many requests one instance may be handed at once, when the pool is at its maximum:
the one the model works on and those waiting in its pipe."""
PIPELINE_BELOW = 0.001
"""Requests wait in an instance's pipe only while its model answers in less than this (seconds,
on average): where waking the instance for each request costs about as much as the request.
A slower model's requests wait in the pool for the first free instance."""

Handed: TypeAlias = AsyncInstance | str
"""What a waiting request is given: an instance, or why none can come."""


def disk_used(folder: Path) -> int:
    """Bytes a directory tree takes on disk (blocks, so sparse files count as what they use)."""
    total = 0
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def clear_scratch(scratch: Path) -> None:
    """Remove what instances wrote, keeping the files of requests and jobs in flight."""
    for entry in scratch.iterdir():
        if not entry.name.startswith(KEPT_PREFIXES):
            _remove(entry)


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            entry.unlink()


class PoolClosed(Exception):
    """The deployment was removed or replaced while a request waited for an instance."""


class Pool:
    """Keeps one deployment's instances between its minimum and maximum."""

    def __init__(self, spec: InstanceSpec, log_sink: LogSink, *, start_timeout: float) -> None:
        self.spec = spec
        self._sink = log_sink
        self._start_timeout = start_timeout
        self._idle: list[AsyncInstance] = []
        self._busy: dict[AsyncInstance, int] = {}
        """Instances handed out, with how many requests each was handed."""
        self._waiters: deque[asyncio.Future[Handed]] = deque()
        self._starting = 0
        self._starts: set[asyncio.Task[None]] = set()
        self._chores: set[asyncio.Task[None]] = set()
        self._ending: set[AsyncInstance] = set()
        self._start_error: str | None = None
        self._failures = 0
        self._retry_at = 0.0
        self._closed = False

    def instances(self) -> list[AsyncInstance]:
        """The running instances, idle and busy."""
        return [*self._idle, *self._busy]

    def loads(self) -> list[int]:
        """How many requests each running instance was handed and has not given back."""
        return [self._busy.get(instance, 0) for instance in self.instances()]

    @property
    def settled(self) -> bool:
        """Whether a closed pool has nothing left to stop."""
        return not (self._busy or self._starts or self._chores)

    async def fill(self) -> None:
        """Start instances up to the minimum and wait until they are up or have failed."""
        self._top_up(time.monotonic())
        while self._starts:
            await asyncio.wait(set(self._starts))

    def take(self) -> AsyncInstance | None:
        """An idle instance for one request, if one is free and nobody waits before it."""
        if self._closed:
            raise PoolClosed
        if self._waiters or (instance := self._pop_idle() or self._pipelined()) is None:
            return None
        self._hand(instance)
        return instance

    async def wait(self, deadline: float | None) -> Handed | None:
        """The next free instance for one request, why there can be none, or ``None`` at
        ``deadline``; requests are served in the order they began to wait."""
        if self._closed:
            raise PoolClosed
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Handed] = loop.create_future()
        self._waiters.append(waiter)
        self._dispatch()
        if waiter.done():
            return waiter.result()
        # a bare timer rather than asyncio.timeout: this wait is on every queued request's path
        timer = (
            None
            if deadline is None
            else loop.call_later(deadline - time.monotonic(), _expire, waiter)
        )
        try:
            return await waiter
        except TimeoutError:
            self._withdraw(waiter)
            return None
        except asyncio.CancelledError:
            self._withdraw(waiter)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _withdraw(self, waiter: asyncio.Future[Handed]) -> None:
        """Forget a request that stopped waiting; an instance handed to it meanwhile is passed
        on to the next."""
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)
        if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
            handed = waiter.result()
            if isinstance(handed, AsyncInstance):
                self.release(handed)
        waiter.cancel()

    def release(self, instance: AsyncInstance) -> None:
        """Return an instance after a request; dead ones are stopped and replaced. With
        nobody waiting and the instance kept, nothing else can have changed."""
        left = self._busy.pop(instance, 1) - 1
        if left > 0:
            self._busy[instance] = left
            if self._waiters:
                self._dispatch()
            return
        if instance.answering and not self._closed:
            self._idle.append(instance)
            if not self._waiters:
                return
        else:
            self._stop_later(instance)
        self._dispatch()

    def reap(self, now: float) -> None:
        """Stop instances idle past ``maximum_idle_time``, never going below the minimum."""
        dead = [instance for instance in self._idle if not instance.alive]
        self._idle = [instance for instance in self._idle if instance not in dead]
        expired = self._expired(now)
        self._idle = [instance for instance in self._idle if instance not in expired]
        self._dispatch()
        for instance in dead:
            emit(self._sink, self.spec.key, None, "system", f"instance {instance.pid} exited")
        limit = self.spec.maximum_idle_time
        for instance in expired:
            message = f"instance {instance.pid} was idle for more than {limit:g} s"
            emit(self._sink, self.spec.key, None, "system", message)
        for instance in [*dead, *expired]:
            self._stop_later(instance)

    def _expired(self, now: float) -> list[AsyncInstance]:
        surplus = len(self._idle) + len(self._busy) - self.spec.minimum_instances
        idle_too_long = [
            instance
            for instance in sorted(self._idle, key=lambda item: item.last_used)
            if now - instance.last_used > self.spec.maximum_idle_time
        ]
        return idle_too_long[: max(surplus, 0)]

    async def enforce_disk(self) -> None:
        """Stop every instance of a deployment whose scratch directory holds more than its
        disk limit, failing their requests with that reason, and clear what they wrote (the
        files of requests in flight stay; their requests clean them up)."""
        scratch = Path(self.spec.scratch_dir)
        limit_mb = self.spec.sandbox.limits.disk_mb
        if await off_loop(disk_used, scratch) <= limit_mb * 1024 * 1024:
            return
        reason = f"it wrote more than its disk limit of {limit_mb} MB to its scratch directory"
        emit(self._sink, self.spec.key, None, "system", f"instances stopped: {reason}")
        idle, self._idle = self._idle, []
        self._ending.update(idle)
        try:
            await asyncio.gather(*(i.kill(reason=reason) for i in [*self._busy, *idle]))
        finally:
            self._ending.difference_update(idle)
        await off_loop(clear_scratch, scratch)
        self._dispatch()

    async def close(self, *, kill_busy: bool = False) -> None:
        """Stop idle instances now, busy ones when free and starting ones when up; waiting
        requests get PoolClosed. ``kill_busy`` (a shutdown) kills busy instances now, cancels
        starts and returns once everything has stopped."""
        self._closed = True
        idle, self._idle = self._idle, []
        self._turn_away()
        busy = list(self._busy) if kill_busy else []
        if kill_busy:
            self._cancel_starts()
        stops = [self._stop_later(instance) for instance in idle]
        await asyncio.gather(*(instance.kill() for instance in busy))
        if stops:
            await asyncio.wait(stops)
        if kill_busy:
            await self._settle()

    def kill_at_once(self) -> None:
        """``close(kill_busy=True)`` for a loop that is ending and cannot wait for it: every
        instance is killed here and now."""
        self._closed = True
        self._turn_away()
        self._cancel_starts()
        idle, self._idle = self._idle, []
        for instance in {*idle, *self._busy, *self._ending}:
            instance.kill_at_once()

    def _turn_away(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolClosed())

    def _cancel_starts(self) -> None:
        for task in self._starts:
            task.cancel()

    async def _settle(self) -> None:
        """Wait until starts and stops are over and the requests of killed instances have let
        them go (bounded: a request stuck elsewhere must not hold up a shutdown)."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while not self.settled and time.monotonic() < deadline:
            pending = {*self._starts, *self._chores}
            if pending:
                await asyncio.wait(pending, timeout=deadline - time.monotonic())
            else:
                await asyncio.sleep(0.01)

    def _dispatch(self) -> None:
        """Hand idle instances to the oldest waiting requests, start more while more wait than
        start, and fail the waiting with the start-up error when nothing else could serve them."""
        if self._closed:
            return
        self._hand_out()
        now = time.monotonic()
        while len(self._waiters) > self._starting and self._can_grow(now):
            self._spawn()
        if self._start_error and not self._starting and not self._busy:
            failure = f"the instance failed to start: {self._start_error}"
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.set_result(failure)
        self._top_up(now)

    def _hand_out(self) -> None:
        while self._waiters:
            if self._waiters[0].done():
                self._waiters.popleft()
                continue
            instance = self._pop_idle() or self._pipelined()
            if instance is None:
                return
            self._hand(instance)
            self._waiters.popleft().set_result(instance)

    def _hand(self, instance: AsyncInstance) -> None:
        self._busy[instance] = self._busy.get(instance, 0) + 1

    def _pipelined(self) -> AsyncInstance | None:
        """A busy instance to send one more request to, to wait in its pipe, if the pool is at
        its maximum (none starting): the one handed the fewest, if under ``PIPELINE_DEPTH``
        and its model quick (``PIPELINE_BELOW``). The shim then reads the next request as soon
        as it has answered one, without a wake-up of either process in between: a quick
        model's throughput was bound by those (bench/README.md)."""
        busy = self._busy
        if not busy or self._starting or len(busy) + len(self._idle) < self.spec.maximum_instances:
            return None
        instance = min(busy, key=busy.__getitem__) if len(busy) > 1 else next(iter(busy))
        recent = instance.recent_seconds
        if (
            busy[instance] >= PIPELINE_DEPTH
            or instance.load >= PIPELINE_DEPTH  # with answers still to come nobody waits for
            or recent is None
            or recent >= PIPELINE_BELOW
            or not instance.answering
        ):
            return None
        return instance

    def _pop_idle(self) -> AsyncInstance | None:
        while self._idle:
            instance = self._idle.pop()
            if instance.answering:
                return instance
            self._stop_later(instance)
        return None

    def _can_grow(self, now: float) -> bool:
        return self._total() < self.spec.maximum_instances and now >= self._retry_at

    def _top_up(self, now: float) -> None:
        minimum = self.spec.minimum_instances
        while not self._closed and self._can_grow(now) and self._total() < minimum:
            self._spawn()

    def _total(self) -> int:
        return len(self._idle) + len(self._busy) + self._starting

    def _spawn(self) -> None:
        self._starting += 1
        self._track(self._starts, self._start_one())

    def _stop_later(self, instance: AsyncInstance) -> asyncio.Task[None]:
        """Stop ``instance`` in the background; a shutdown waits for it, or kills it if it
        cannot wait."""
        self._ending.add(instance)
        return self._track(self._chores, self._stop(instance))

    async def _stop(self, instance: AsyncInstance) -> None:
        try:
            await instance.stop()
        finally:
            self._ending.discard(instance)

    @staticmethod
    def _track(
        tasks: set[asyncio.Task[None]], work: Coroutine[Any, Any, None]
    ) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task

    async def _start_one(self) -> None:
        instance: AsyncInstance | None = None
        try:
            instance = await AsyncInstance.start(self.spec, self._sink, timeout=self._start_timeout)
        except InstanceStartError as error:
            self._record_failure(error.message)
        except Exception as error:
            self._record_failure(f"cannot start {self.spec.python}: {error}")
        finally:
            self._starting -= 1
        if instance is not None and self._closed:
            self._stop_later(instance)
        elif instance is not None:
            self._start_error, self._failures = None, 0
            self._idle.append(instance)
        self._dispatch()

    def _record_failure(self, message: str) -> None:
        emit(self._sink, self.spec.key, None, "system", f"instance failed to start: {message}")
        self._start_error = message
        self._failures += 1
        self._retry_at = time.monotonic() + min(MAX_BACKOFF, 2.0 ** (self._failures - 1))


def _expire(waiter: asyncio.Future[Handed]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
