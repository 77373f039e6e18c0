"""One instance process of the cluster: a Celery worker on one version's queue that owns the
version's shim.

It reads everything from PostgreSQL and the artifact store, as a server would: the version's
recipe (its environment variables unsealed with the shared secret key), the package from the
store, and an environment for its requirements built on this machine with the same builder
(reused by its hash). The shim runs under this process's own ``LocalExecutor``; the Celery worker
takes one request at a time off ``modelyard.v.<version id>`` and hands it over.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import replace

from modelyard.core.cluster import service
from modelyard.core.serving.deployer import Serving, create_serving
from modelyard.core.serving.deployment import Built, FromRequirements, Recipe
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import ModelVersionRow
from modelyard.errors import Conflict
from modelyard.settings import Settings
from modelyard.storage import ArtifactStore

logger = logging.getLogger(__name__)
USED_EVERY = 5.0
"""Seconds between reports that the instance is in use (for the idle rule)."""
KEPT_WARM = 10 * 365 * 24 * 3600.0
"""This process is the instance: the controller, not the supervisor, decides when it is idle."""


class UseReporter:
    """Writes ``used_at`` of the placement at most every ``USED_EVERY`` seconds, in a thread
    of its own so a request never waits for the database."""

    def __init__(self, sessions: SessionFactory, placement_id: uuid.UUID) -> None:
        self.sessions, self.placement_id = sessions, placement_id
        self._last = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last < USED_EVERY:
                return
            self._last = now
        threading.Thread(target=self._write, daemon=True).start()

    def _write(self) -> None:
        try:
            with transaction(self.sessions) as session:
                service.used(session, self.placement_id)
        except Exception:
            logger.warning("could not report placement %s in use", self.placement_id, exc_info=True)


def run_instance(
    settings: Settings, sessions: SessionFactory, store: ArtifactStore, placement_id: uuid.UUID
) -> None:
    """Serve the placement's version until Celery is told to stop (SIGTERM: warm shutdown)."""
    from modelyard.runtime.celery import make_app, register_task, serve_queue

    with transaction(sessions) as session:
        placed = service.placement(session, placement_id)
    if placed is None:
        logger.info("placement %s is gone; nothing to run", placement_id)
        return
    serving = create_serving(settings.model_copy(update={"executor": "local"}), sessions, store)
    serving.logs.start()
    try:
        recipe = _recipe(serving, placed.version_id)
        spec = serving.deployments.deploy(recipe)
        app = make_app(_broker(settings))
        register_task(
            app,
            serving.answer_for(spec),
            spec.key,
            on_request=UseReporter(sessions, placement_id),
        )
        with transaction(sessions) as session:
            service.ready(session, placement_id)
        serve_queue(app, spec.key, node=f"{placement_id}@{_host()}")
    finally:
        serving.executor.shutdown()
        serving.logs.close()


def _recipe(serving: Serving, version_id: uuid.UUID) -> Recipe:
    """The version's recipe as this machine runs it: one warm instance, and its environment
    built here for the package's requirements when this machine has not got it yet."""
    with transaction(serving.sessions) as session:
        row = session.get(ModelVersionRow, version_id)
        recipe = serving.recipes.of(session, version_id) if row is not None else None
        language = row.language if row is not None else ""
    if recipe is None:
        raise Conflict(f"version {version_id} has no build to run", field="version")
    environment = recipe.environment
    if isinstance(environment, Built):
        python = serving.environments.root_dir / environment.key / "bin" / "python"
        if not python.exists():
            recipe = replace(recipe, environment=FromRequirements(language))
    return replace(recipe, minimum_instances=1, maximum_instances=1, maximum_idle_time=KEPT_WARM)


def _broker(settings: Settings) -> str:
    if not settings.broker_url:
        raise Conflict("MODELYARD_BROKER_URL is not set", field="broker_url")
    return settings.broker_url


def _host() -> str:
    import socket

    return socket.gethostname()
