"""The process supervisor: every deployment's pool of instances, and the reaper that tends them.

It is thread-based because its callers are: the API calls it from sync code in a thread pool
and a worker from its own threads. Each call blocks only its own thread; a request waits for
an instance of its deployment, never for another deployment.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from modelyard.runtime.errors import NotDeployedError
from modelyard.runtime.instance import Instance, RequestTimeout
from modelyard.runtime.pool import Pool, PoolClosed
from modelyard.runtime.spec import InstanceSpec, LogSink, RequestOutcome, emit

DEFAULT_REAP_INTERVAL = 1.0
DEFAULT_START_TIMEOUT = 600.0


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
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, name="reaper", daemon=True)
        self._reaper.start()

    def deploy(self, spec: InstanceSpec) -> None:
        """Serve ``spec``, replacing any deployment with its key; returns once warm."""
        check_spec(spec)
        pool = Pool(spec, self._sink, start_timeout=self._start_timeout)
        with self._lock:
            old = self._pools.get(spec.key)
            self._pools[spec.key] = pool
        if old is not None:
            old.close()
        pool.fill()

    def undeploy(self, key: str) -> None:
        """Stop serving ``key``; requests in flight finish, waiting ones fail."""
        with self._lock:
            pool = self._pools.pop(key, None)
        if pool is not None:
            pool.close()

    def request(
        self, key: str, data: Any, *, request_id: str, timeout: float | None
    ) -> RequestOutcome:
        """Run one request on a free instance; ``timeout`` covers waiting and running."""
        deadline = None if timeout is None else time.monotonic() + timeout
        pool, instance = self._acquire(key, deadline)
        remaining = None if deadline is None else deadline - time.monotonic()
        if isinstance(instance, Instance) and remaining is not None and remaining <= 0:
            pool.release(instance)
            instance = None
        if not isinstance(instance, Instance):
            reason = (
                instance
                or f"the request timed out after {timeout:g} seconds waiting for a free instance"
            )
            emit(self._sink, key, request_id, "system", reason)
            return RequestOutcome(False, None, reason)
        try:
            return instance.call(request_id, data, timeout=remaining)
        except RequestTimeout:
            message = f"the request timed out after {timeout:g} seconds; its instance was stopped"
            emit(self._sink, key, request_id, "system", message)
            return RequestOutcome(False, None, message)
        finally:
            pool.release(instance)

    def shutdown(self) -> None:
        """Stop the reaper and every instance, killing those still serving a request."""
        self._stopping.set()
        self._reaper.join()
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close(kill_busy=True)

    def instance_count(self, key: str) -> int:
        """How many instances of ``key`` are running (idle or busy)."""
        return len(self.pids(key))

    def pids(self, key: str) -> list[int]:
        """The process ids of ``key``'s running instances."""
        with self._lock:
            pool = self._pools.get(key)
        return [] if pool is None else sorted(i.pid for i in pool.instances() if i.alive)

    def _acquire(self, key: str, deadline: float | None) -> tuple[Pool, Instance | str | None]:
        """An instance of the current deployment of ``key``, following it if it is replaced."""
        while True:
            pool = self._pool(key)
            try:
                return pool, pool.acquire(deadline)
            except PoolClosed:
                continue

    def _pool(self, key: str) -> Pool:
        with self._lock:
            pool = self._pools.get(key)
        if pool is None:
            raise NotDeployedError(key)
        return pool

    def _reap_loop(self) -> None:
        while not self._stopping.wait(self._reap_interval):
            with self._lock:
                pools = list(self._pools.values())
            for pool in pools:
                try:
                    pool.reap(time.monotonic())
                    pool.enforce_disk()
                except Exception as error:
                    emit(self._sink, pool.spec.key, None, "system", f"reaper failed: {error}")


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
