"""The controller: one API server at a time places the cluster's instances.

Every API server in celery mode runs one; the one holding a PostgreSQL advisory lock (on a
connection of its own, so a server that dies lets go of it with its connection) applies the
rules each second, the others keep trying for the lock.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Connection

from modelyard.core.cluster import repository as repo
from modelyard.core.cluster import service
from modelyard.db.engine import SessionFactory, engine_of, transaction

logger = logging.getLogger(__name__)
INTERVAL = 1.0


class Controller:
    """Applies the cluster's rules while this server holds the controller's lock."""

    def __init__(
        self,
        sessions: SessionFactory,
        depths: service.Depths,
        *,
        heartbeat_seconds: float,
        interval: float = INTERVAL,
    ) -> None:
        self.sessions, self.depths = sessions, depths
        self.heartbeat_seconds, self.interval = heartbeat_seconds, interval
        self._lock_connection: Connection | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def leading(self) -> bool:
        return self._lock_connection is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="modelyard-controller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._let_go()

    def tick(self) -> bool:
        """One pass: take the lock if free, and apply the rules if held; whether it led."""
        if not self._hold_lock():
            return False
        with transaction(self.sessions) as session:
            plan = service.control(session, self.depths, heartbeat_seconds=self.heartbeat_seconds)
        for placed in plan.added:
            logger.info(
                "placed an instance of %s on worker %s", placed.version_id, placed.worker_id
            )
        if plan.dead_workers:
            logger.warning(
                "workers %s stopped heartbeating; their instances move", plan.dead_workers
            )
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:
                logger.exception("the cluster controller's pass failed")
                self._let_go()

    def _hold_lock(self) -> bool:
        if self._lock_connection is not None:
            try:  # a connection that died silently released the lock with it
                self._lock_connection.exec_driver_sql("SELECT 1")
                self._lock_connection.commit()
                return True
            except Exception:
                self._let_go()
        connection = engine_of(self.sessions).connect()
        try:
            taken = repo.try_controller_lock(connection)
            connection.commit()
        except Exception:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._lock_connection = connection
        return True

    def _let_go(self) -> None:
        connection, self._lock_connection = self._lock_connection, None
        if connection is not None:
            try:  # closed for real, not returned to the pool still holding the lock
                connection.invalidate()
                connection.close()
            except Exception:
                logger.debug("closing the controller's lock connection failed", exc_info=True)
