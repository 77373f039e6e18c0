"""What a server runs besides answering HTTP: the serving runtime, the job worker, the
scheduler and chores.

Built once from settings (``create_background``), started and stopped with the application.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import cast

from modelyard.core.cluster import service as cluster
from modelyard.core.cluster.controller import Controller
from modelyard.core.data import service as blobs
from modelyard.core.data.connectors.verify import Verifier
from modelyard.core.data.datasets.jobs import Collator
from modelyard.core.data.datasets.service import COLLATE_KIND
from modelyard.core.data.datasources.counts import Counter
from modelyard.core.data.datasources.stores import Stores
from modelyard.core.documents.runner import DocumentRunner
from modelyard.core.identity import service as identity
from modelyard.core.jobs import service as jobs
from modelyard.core.jobs.callbacks import CallbackDeliverer
from modelyard.core.jobs.worker import Worker
from modelyard.core.pipelines import batch as pipeline_batch
from modelyard.core.pipelines.execution import PipelineRunner
from modelyard.core.schedules.scheduler import Scheduler
from modelyard.core.schedules.service import KIND as SCHEDULE_KIND
from modelyard.core.secrets import secret_box
from modelyard.core.serving import effects as serving_effects
from modelyard.core.serving.batch import KIND as BATCH_KIND
from modelyard.core.serving.deployer import Serving, create_serving
from modelyard.core.tabular.service import TRAIN_KIND
from modelyard.core.tabular.training import Trainer
from modelyard.db.engine import SessionFactory, engine_of, transaction
from modelyard.db.signals import Signals
from modelyard.settings import Settings
from modelyard.storage import ArtifactStore

logger = logging.getLogger(__name__)
HEAVY_KINDS = (COLLATE_KIND, TRAIN_KIND)
"""Jobs that work in the server process (pyarrow, scikit-learn) instead of waiting on an
instance: ``MODELYARD_HEAVY_JOB_CONCURRENCY`` of them at most at once."""


TRIM_SECONDS = 30.0


def _glibc_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, where the C library is glibc (not musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return cast(Callable[[int], int], trim)


_MALLOC_TRIM = _glibc_malloc_trim()


def release_freed_memory() -> bool:
    """Hand the memory the C allocator keeps after frees back to the system; whether it
    could (glibc only).

    The event loop runs on the main thread, whose allocations above Python's small-object
    size come from glibc's main heap, and freed memory in the middle of that heap is not
    returned until a trim: a server running batch requests as tasks on its loop grew by
    about 65 MB over 250,000 requests while none of it was live (issue 19). A trim every
    ``TRIM_SECONDS`` keeps it flat; ctypes releases the GIL for the call."""
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True


@dataclass
class Chores:
    """Periodic upkeep (expired blobs, …), each run every ``interval`` seconds on one thread."""

    tasks: list[tuple[float, Callable[[], object]]]
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        for interval, task in self.tasks:
            name = f"modelyard-chore-{getattr(task, '__name__', 'task')}"
            threading.Thread(
                target=self._every, args=(interval, task), name=name, daemon=True
            ).start()

    def stop(self) -> None:
        self._stop.set()

    def _every(self, interval: float, task: Callable[[], object]) -> None:
        while not self._stop.wait(interval):
            try:
                task()
            except Exception:
                logger.exception("periodic task %s failed", task)


@dataclass
class Background:
    serving: Serving
    worker: Worker
    chores: Chores
    scheduler: Scheduler
    callbacks: CallbackDeliverer | None = None
    signals: Signals | None = None
    controller: Controller | None = None
    """The cluster's controller (celery mode only; it leads while it holds the lock)."""

    def start(self) -> None:
        if self.signals is not None:
            self.signals.start(engine_of(self.worker.sessions))
        self.serving.start()
        if self.controller is not None:
            self.controller.start()
        self.worker.start()
        self.scheduler.start()
        self.chores.start()
        if self.callbacks is not None:
            self.callbacks.start()

    def stop(self) -> None:
        if self.signals is not None:  # first: a signal heard now (another server's change)
            self.signals.stop()  # would set off work in parts that are stopping
        if self.callbacks is not None:
            self.callbacks.stop()
        self.chores.stop()
        self.scheduler.stop()
        self.worker.stop()
        if self.controller is not None:
            self.controller.stop()
        self.serving.stop()


def create_background(
    settings: Settings,
    sessions: SessionFactory,
    store: ArtifactStore,
    signals: Signals | None = None,
) -> Background:
    """Everything a server runs in the background; with ``signals`` (the ones ``sessions``
    carry), each part hears the work other transactions commit, in any server."""
    cluster.check_settings(settings)
    serving = create_serving(settings, sessions, store)
    callbacks = CallbackDeliverer(sessions)
    documents = DocumentRunner(
        sessions,
        store,
        executor=serving.executor,
        environments=serving.environments,
        deployments=serving.deployments,  # one cache of what the executor runs
        root=(settings.data_dir / "documents").resolve(),
        on_end=callbacks.wake,
    )
    counter = Counter(sessions, Stores.of(settings, secret_box(settings)))
    worker = Worker(
        sessions,
        {
            BATCH_KIND: serving.run_batch,
            # a scheduled direct request is a request pinned to its version, with its own timeout
            SCHEDULE_KIND: serving.run_batch,
            **Verifier(sessions, secret_box(settings)).handlers(),
            pipeline_batch.KIND: partial(pipeline_batch.run_job, PipelineRunner(sessions, serving)),
            COLLATE_KIND: Collator(sessions, store).run,
            TRAIN_KIND: Trainer(sessions, store).run,
            **documents.handlers(),
            **counter.handlers(),
        },
        concurrency=settings.job_concurrency,
        heavy=HEAVY_KINDS,
        heavy_concurrency=settings.heavy_job_concurrency,
        lease_seconds=settings.job_lease_seconds,
        poll_seconds=settings.job_poll_seconds,
    )

    def purge_expired_blobs() -> None:
        with transaction(sessions) as session:
            blobs.purge_expired(session, store)

    def purge_expired_tokens() -> None:
        with transaction(sessions) as session:
            identity.purge_expired_tokens(session)

    scheduler = Scheduler(sessions)
    chores = Chores(
        [
            (60.0, purge_expired_blobs),
            (60.0, documents.tidy),
            (3600.0, purge_expired_tokens),
            (60.0, counter.refresh),
            (TRIM_SECONDS, release_freed_memory),
        ]
    )
    if signals is not None:
        listen(signals, serving, worker)
    controller = None
    if settings.executor == "celery":
        depths = getattr(serving.executor, "queue_depths")  # noqa: B009 (the celery executor's)
        beat = settings.worker_heartbeat_seconds
        controller = Controller(sessions, depths, heartbeat_seconds=beat)
    return Background(
        serving,
        worker,
        chores,
        scheduler,
        callbacks=callbacks,
        signals=signals,
        controller=controller,
    )


def listen(signals: Signals, serving: Serving, worker: Worker) -> None:
    """Who hears what: the worker new jobs, the builder new builds, instances their versions'
    changes (an empty payload: the listening connection was lost, so look for yourself)."""
    signals.subscribe(jobs.CHANNEL, lambda _: worker.wake())
    signals.subscribe(serving_effects.BUILDS, lambda _: serving.wake_builder())

    def reconfigure(payload: str) -> None:
        for version_id in serving_effects.parse_ids(payload):
            serving.reconfigure(version_id)

    signals.subscribe(serving_effects.RECONFIGURE, reconfigure)

    def retire(payload: str) -> None:
        if payload:
            serving.retire(serving_effects.parse_ids(payload))
        else:
            serving.retire_deleted()

    signals.subscribe(serving_effects.RETIRE, retire)
