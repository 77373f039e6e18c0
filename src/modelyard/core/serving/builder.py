"""Builds in the background: claim a queued build, unpack, make the environment, import-check.

The build row is the source of truth: a build left ``running`` by a dead process is queued
again at start, and a build of a revision that a newer upload replaced does not touch the
version's status.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from modelyard.core.observe import service as observe
from modelyard.core.observe.schemas import LogTags
from modelyard.core.secrets import SecretBox
from modelyard.core.serving import repository as repo
from modelyard.core.serving.environment import merged_environment, model_file_of
from modelyard.db.engine import SessionFactory, probe, transaction
from modelyard.db.tables import BuildRow, ModelRow, ModelVersionRow
from modelyard.db.types import utcnow
from modelyard.errors import DomainError
from modelyard.runtime import EnvironmentBuilder, RuntimeFailure, unpack_package
from modelyard.storage import ArtifactStore

LOG_FLUSH_SECONDS = 1.0
POLL_SECONDS = 2.0

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildJob:
    """Everything a build needs, read in one short transaction."""

    build_id: uuid.UUID
    version_id: uuid.UUID
    project_id: uuid.UUID
    tags: LogTags
    revision: int
    package_key: str
    language: str
    memory_mb: int
    context: dict[str, object]
    env: dict[str, str]
    model_file_name: str


def package_dir(root: Path, version_id: uuid.UUID, revision: int) -> Path:
    """Where revision ``revision`` of a version is unpacked on this machine."""
    return root / str(version_id) / str(revision)


class BuildLog:
    """Collects build output and saves it to the build row about once a second."""

    def __init__(self, sessions: SessionFactory, build_id: uuid.UUID) -> None:
        self.sessions, self.build_id = sessions, build_id
        self.lines: list[str] = []
        self._saved_at = time.monotonic()

    def __call__(self, line: str) -> None:
        self.lines.append(line.rstrip("\n"))
        if time.monotonic() - self._saved_at > LOG_FLUSH_SECONDS:
            self.save()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def save(self) -> None:
        with transaction(self.sessions) as session:
            build = session.get(BuildRow, self.build_id)
            if build is not None:
                build.log = self.text
        self._saved_at = time.monotonic()


class Builder:
    """Background threads that run queued builds one at a time each."""

    def __init__(
        self,
        sessions: SessionFactory,
        store: ArtifactStore,
        environments: EnvironmentBuilder,
        *,
        packages_root: Path,
        box: SecretBox,
        threads: int = 1,
    ) -> None:
        self.sessions, self.store, self.environments = sessions, store, environments
        self.box = box
        self.packages_root = packages_root
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, name=f"modelyard-build-{n}", daemon=True)
            for n in range(threads)
        ]

    def start(self) -> None:
        with transaction(self.sessions) as session:
            repo.requeue_interrupted_builds(session)
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_next()
            except Exception:  # the database went away between builds: wait and go on
                logger.exception("the builder's database step failed; retrying")
                busy = False
            if not busy:
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()

    def run_next(self) -> bool:
        """Run one queued build, if any; returns whether there was one."""
        job = self._claim()
        if job is None:
            return False
        log = BuildLog(self.sessions, job.build_id)
        try:
            self._build(job, log)
        except RuntimeFailure as failure:
            log(f"build failed: {failure}")
            self._finish(job, log, error=str(failure))
        except Exception as failure:
            log(f"build failed unexpectedly: {failure!r}")
            self._finish(job, log, error=f"internal build error: {failure!r}")
        else:
            self._finish(job, log, error=None)
        return True

    def _claim(self) -> BuildJob | None:
        if not probe(self.sessions, repo.ANY_QUEUED_BUILD):
            return None
        with transaction(self.sessions) as session:
            build = repo.claim_next_build(session)
            if build is None:
                return None
            version = session.get(ModelVersionRow, build.version_id)
            if version is None or version.package_key is None:
                build.status, build.finished_at = "cancelled", utcnow()
                return None
            model = session.get(ModelRow, version.model_id)
            assert model is not None
            try:
                env = merged_environment(session, self.box, version.id)
            except DomainError as exc:  # a secret that this server's key cannot open
                build.status = version.status = "failed"
                build.error_message = version.error_message = exc.message[:500]
                build.finished_at = utcnow()
                return None
            tags = LogTags(model_name=model.name, model_version=version.version)
            observe.system_log(
                session, model.project_id, f"build of revision {build.revision} started", tags=tags
            )
            return BuildJob(
                build_id=build.id,
                version_id=version.id,
                project_id=model.project_id,
                tags=tags,
                revision=build.revision,
                package_key=version.package_key,
                language=version.language,
                memory_mb=version.memory_allocation,
                context=deployment_context(model, version, environment=env),
                env=env,
                model_file_name=model_file_of(env),
            )

    def _build(self, job: BuildJob, log: BuildLog) -> None:
        target = package_dir(self.packages_root, job.version_id, job.revision)
        shutil.rmtree(target, ignore_errors=True)
        log(f"unpacking revision {job.revision}")
        with tempfile.TemporaryDirectory(prefix="modelyard-build-") as scratch:
            archive = self.store.fetch(job.package_key, Path(scratch) / "package.zip")
            info = unpack_package(archive, target, model_file_name=job.model_file_name)
        built = self.environments.build(
            info.model_dir,
            language=job.language,
            log=log,
            model_file_name=job.model_file_name,
            context=job.context,
            env=job.env,
            memory_mb=job.memory_mb,
        )
        with transaction(self.sessions) as session:
            build = session.get(BuildRow, job.build_id)
            if build is not None:
                build.environment_key = built.key
        log("build succeeded")

    def _finish(self, job: BuildJob, log: BuildLog, *, error: str | None) -> None:
        with transaction(self.sessions) as session:
            build = session.get(BuildRow, job.build_id)
            if build is None:
                return
            build.status = "failed" if error else "succeeded"
            build.error_message = error[:500] if error else None
            build.log, build.finished_at = log.text, utcnow()
            line = f"build of revision {job.revision} " + (
                f"failed: {error}" if error else "succeeded"
            )
            level = "error" if error else "info"
            observe.system_log(session, job.project_id, line, tags=job.tags, level=level)
            version = session.get(ModelVersionRow, job.version_id)
            latest = repo.latest_build(session, job.version_id)
            if version is not None and latest is not None and latest.id == build.id:
                version.status = "failed" if error else "available"
                version.error_message = error[:500] if error else None


def deployment_context(
    model: ModelRow, version: ModelVersionRow, *, environment: dict[str, str]
) -> dict[str, object]:
    """The ``context`` dict a model's ``__init__`` receives, with the merged variables."""
    return {
        "model": model.name,
        "version": version.version,
        "input_type": model.input_type,
        "output_type": model.output_type,
        "language": version.language,
        "environment_variables": dict(environment),
    }
