"""The instances of one deployment and the queue of requests waiting for one of them.

Requests take an idle instance or wait on a condition; a new instance is started in the
background while more requests wait than instances are starting, up to ``maximum_instances``.
Instances that fail to start are retried with a growing back-off, so a model that cannot load
does not spin; requests arriving meanwhile fail at once with the model's start-up error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from pathlib import Path

from modelyard.runtime.errors import InstanceStartError
from modelyard.runtime.instance import Instance
from modelyard.runtime.spec import InstanceSpec, LogSink, emit

MAX_BACKOFF = 60.0
KEPT_PREFIXES = ("request-", "job-")


def disk_used(folder: Path) -> int:
    """Bytes a directory tree takes on disk (blocks, so sparse files count as what they use)."""
    total = 0
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


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
        self._cond = threading.Condition()
        self._idle: list[Instance] = []
        self._busy: set[Instance] = set()
        self._starting = 0
        self._waiting = 0
        self._start_error: str | None = None
        self._failures = 0
        self._retry_at = 0.0
        self._closed = False

    def instances(self) -> list[Instance]:
        """The running instances, idle and busy."""
        with self._cond:
            return [*self._idle, *self._busy]

    def fill(self) -> None:
        """Start instances up to the minimum and wait until they are up or have failed."""
        with self._cond:
            self._top_up(time.monotonic())
            self._cond.wait_for(lambda: self._starting == 0)

    def acquire(self, deadline: float | None) -> Instance | str | None:
        """A free instance for one request, why there can be none, or ``None`` at ``deadline``."""
        with self._cond:
            self._waiting += 1
            try:
                return self._acquire(deadline)
            finally:
                self._waiting -= 1

    def _acquire(self, deadline: float | None) -> Instance | str | None:
        while True:
            if self._closed:
                raise PoolClosed
            instance = self._pop_idle()
            if instance is not None:
                self._busy.add(instance)
                return instance
            now = time.monotonic()
            if self._waiting > self._starting and self._can_grow(now):
                self._spawn()
            if self._start_error and self._starting == 0 and not self._busy:
                return f"the instance failed to start: {self._start_error}"
            remaining = None if deadline is None else deadline - now
            if remaining is not None and remaining <= 0:
                return None
            self._cond.wait(remaining)

    def release(self, instance: Instance) -> None:
        """Return an instance after a request; dead ones are dropped and replaced."""
        alive = instance.alive
        with self._cond:
            self._busy.discard(instance)
            keep = alive and not self._closed
            if keep:
                self._idle.append(instance)
                self._cond.notify()
            else:
                self._cond.notify_all()
            self._top_up(time.monotonic())
        if not keep:
            instance.stop()

    def reap(self, now: float) -> None:
        """Stop instances idle past ``maximum_idle_time``, never going below the minimum."""
        with self._cond:
            dead = [instance for instance in self._idle if not instance.alive]
            self._idle = [instance for instance in self._idle if instance not in dead]
            surplus = len(self._idle) + len(self._busy) - self.spec.minimum_instances
            expired: list[Instance] = []
            for instance in sorted(self._idle, key=lambda item: item.last_used):
                idle_for = now - instance.last_used
                if len(expired) < surplus and idle_for > self.spec.maximum_idle_time:
                    expired.append(instance)
            self._idle = [instance for instance in self._idle if instance not in expired]
            self._top_up(now)
        for instance in dead:
            emit(self._sink, self.spec.key, None, "system", f"instance {instance.pid} exited")
            instance.stop()
        for instance in expired:
            limit = self.spec.maximum_idle_time
            message = f"instance {instance.pid} was idle for more than {limit:g} s"
            emit(self._sink, self.spec.key, None, "system", message)
            instance.stop()

    def enforce_disk(self) -> None:
        """Stop every instance of a deployment whose scratch directory holds more than its
        disk limit, failing their requests with that reason, and clear what they wrote (the
        files of requests in flight stay; their requests clean them up)."""
        scratch = Path(self.spec.scratch_dir)
        limit_mb = self.spec.sandbox.limits.disk_mb
        if disk_used(scratch) <= limit_mb * 1024 * 1024:
            return
        reason = f"it wrote more than its disk limit of {limit_mb} MB to its scratch directory"
        emit(self._sink, self.spec.key, None, "system", f"instances stopped: {reason}")
        with self._cond:
            idle, self._idle = self._idle, []
            busy = list(self._busy)
        for instance in [*busy, *idle]:
            instance.kill(reason=reason)
        for entry in scratch.iterdir():
            if not entry.name.startswith(KEPT_PREFIXES):
                _remove(entry)
        with self._cond:
            self._top_up(time.monotonic())

    def close(self, *, kill_busy: bool = False) -> None:
        """Stop idle instances now, busy ones when free (or now, killed), starting ones when up."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = list(self._busy) if kill_busy else []
            self._cond.notify_all()
        for instance in idle:
            instance.stop()
        for instance in busy:
            instance.kill()

    def _pop_idle(self) -> Instance | None:
        while self._idle:
            instance = self._idle.pop()
            if instance.alive:
                return instance
            instance.stop()
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
        threading.Thread(target=self._start_one, name=f"start-{self.spec.key}", daemon=True).start()

    def _start_one(self) -> None:
        instance: Instance | None = None
        try:
            instance = Instance.start(self.spec, self._sink, timeout=self._start_timeout)
        except InstanceStartError as error:
            self._record_failure(error.message)
        except Exception as error:
            self._record_failure(f"cannot start {self.spec.python}: {error}")
        with self._cond:
            self._starting -= 1
            closed = self._closed
            if instance is not None and not closed:
                self._idle.append(instance)
                self._start_error, self._failures = None, 0
            self._cond.notify_all()
        if instance is not None and closed:
            instance.stop()

    def _record_failure(self, message: str) -> None:
        emit(self._sink, self.spec.key, None, "system", f"instance failed to start: {message}")
        with self._cond:
            self._start_error = message
            self._failures += 1
            self._retry_at = time.monotonic() + min(MAX_BACKOFF, 2.0 ** (self._failures - 1))
