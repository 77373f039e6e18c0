"""The serving runtime of one server: builds, deployments and direct requests.

It joins the database (the source of truth) to an ``Executor`` (what runs instances). Which
executor runs them is chosen by name; the core only speaks the ``Executor`` protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from anyio.to_thread import run_sync
from sqlalchemy.orm import Session
from uv import find_uv_bin

from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.identity.subscriptions import RequestQuota
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome
from modelyard.core.observe.metrics import InstanceSample, MetricRecorder
from modelyard.core.secrets import SecretBox, secret_box
from modelyard.core.serving import hotpath, requests, rules
from modelyard.core.serving import repository as repo
from modelyard.core.serving.builder import Builder
from modelyard.core.serving.deployment import Deployments, Fingerprint, Recipe
from modelyard.core.serving.logs import LogWriter
from modelyard.core.serving.recipes import Recipes
from modelyard.core.serving.sandboxing import CodePolicy, code_policy
from modelyard.core.serving.schemas import RequestResult
from modelyard.db.engine import SessionFactory, engine_of, transaction
from modelyard.db.lookups import kept_by
from modelyard.db.tables import ModelRow, ModelVersionRow
from modelyard.errors import Conflict, DomainError
from modelyard.runtime import (
    EnvironmentBuilder,
    Executor,
    InstanceSpec,
    LogRecord,
    RequestOutcome,
    create_executor,
)
from modelyard.settings import Settings
from modelyard.storage import ArtifactStore

logger = logging.getLogger(__name__)
BATCH_TIMEOUT = 3600
WARM_UP_JOIN_SECONDS = 30
"""How long a stopping server waits for the warm-up to notice (a deploy in flight ends first)."""


class Serving:
    """Everything that runs user code on behalf of the API, started and stopped with it."""

    def __init__(
        self,
        sessions: SessionFactory,
        store: ArtifactStore,
        *,
        environments: EnvironmentBuilder,
        executor_factory: Callable[[LogWriter], Executor],
        packages_root: Path,
        box: SecretBox,
        policy: CodePolicy,
        scratch_root: Path,
    ) -> None:
        self.sessions, self.store, self.box = sessions, store, box
        self.policy = policy
        self.engine = engine_of(sessions)
        self.lookups = kept_by(sessions)
        self.environments, self.packages_root = environments, packages_root
        self.logs = LogWriter(sessions)
        self.metrics = MetricRecorder(sessions, sampler=self._instance_samples)
        self.quota = RequestQuota(sessions)
        self.executor: Executor = executor_factory(self.logs)
        self.blobs_elsewhere = bool(getattr(self.executor, "blobs_on_instances", False))
        """Instances run on other machines, which fetch input blobs and store output blobs
        themselves (``answer_for``); this server only checks that input blobs exist."""
        self.builder = Builder(sessions, store, environments, packages_root=packages_root, box=box)
        self.deployments = Deployments(self.executor, environments, store)
        self.recipes = Recipes(
            self.logs, packages_root=packages_root, box=box, policy=policy, scratch=scratch_root
        )
        self._stopping = threading.Event()
        self._warming = threading.Thread(
            target=self._warm_up, name="modelyard-warm-up", daemon=True
        )

    def start(self) -> None:
        """Start the background parts; called on the server's event loop, the executor carries
        requests on it (``request_direct`` then never leaves it)."""
        loop = _running_loop()
        if loop is not None:  # else (no loop: the CLI, tests) the executor keeps its own
            self.executor.bind_loop(loop)
        self.logs.start()
        self.metrics.start()
        self.builder.start()
        self._warming.start()

    def _warm_up(self) -> None:
        """After a restart, bring back the instances that versions keep warm (until the server
        stops: what a stopping executor refuses is not an error then)."""
        with transaction(self.sessions) as session:
            warm = repo.warm_version_ids(session)
        for version_id in warm:
            if self._stopping.is_set():
                return
            try:
                self.reconfigure(version_id)
            except Exception:
                if self._stopping.is_set():
                    return
                logger.exception("could not start the warm instances of version %s", version_id)

    def stop(self) -> None:
        self._stopping.set()
        self.builder.stop()
        self.executor.shutdown()
        if self._warming.is_alive():
            self._warming.join(timeout=WARM_UP_JOIN_SECONDS)
        self.logs.close()
        self.metrics.close()

    def _instance_samples(self) -> list[InstanceSample]:
        """The instances running here per deployed version (none if the executor cannot say)."""
        count = getattr(self.executor, "instance_count", None)
        if count is None:
            return []
        samples = []
        for key, spec in self.deployments.specs().items():
            tags, running = self.logs.tags.get(key), int(count(key))
            if tags is not None and running:
                sample = InstanceSample(tags.project_id, uuid.UUID(key), running, spec.memory_mb)
                samples.append(sample)
        return samples

    def wake_builder(self) -> None:
        """A build was queued (and committed): start on it now rather than at the next poll."""
        self.builder.wake()

    def retire(self, version_ids: Iterable[uuid.UUID]) -> None:
        """Stop the instances of deleted versions and forget their unpacked packages."""
        for version_id in version_ids:
            key = str(version_id)
            self.deployments.retire(key, files=self.packages_root / key)

    def retire_deleted(self) -> None:
        """Stop the instances of every deployed version that no longer exists (when a signal
        may have been missed: it does not say which)."""
        deployed = []
        for key in self.deployments.specs():
            with contextlib.suppress(ValueError):
                deployed.append(uuid.UUID(key))
        if not deployed:
            return
        with transaction(self.sessions) as session:
            gone = [v for v in deployed if session.get(ModelVersionRow, v) is None]
        self.retire(gone)

    def reconfigure(self, version_id: uuid.UUID) -> None:
        """Apply new scaling settings to running instances (or start the minimum now)."""
        with transaction(self.sessions) as session:
            version = session.get(ModelVersionRow, version_id)
            recipe = self.recipes.of_row(session, version) if version is not None else None
        if recipe is None:
            return
        if recipe.minimum_instances > 0 or self.deployments.spec(recipe.key) is not None:
            self.deployments.deploy(recipe)

    async def request_direct(
        self,
        token: str | None,
        *,
        project: str,
        model: str,
        version: str,
        data: Any,
        timeout: int,
        known: hotpath.Target | None = None,
    ) -> RequestResult:
        """A direct request as the API receives it, awaited on the server's event loop.

        The common case stays on the loop from end to end, with no query and no thread: the
        target comes from the cached lookups, the deployed spec is reused while its fingerprint
        holds, and the instance is asked over its pipe by the executor. A thread only reads the
        database when there is something to read: a target not cached, a quota to refresh,
        input blobs, a spec to deploy, output blobs to store. ``known`` is the target a caller
        has just found with ``hotpath.known`` for the same token and path."""
        target = known or hotpath.known(
            self.lookups, token, project=project, model=model, version=version
        )
        if target is None:
            target = await run_sync(partial(self._resolve, token, project, model, version))
        rules.check_input(target.input_type, list(target.inputs), data)
        if not self.quota.fresh(target.organization_id):
            await run_sync(partial(self.quota.refresh_tally, target.organization_id))
        self.quota.admit(target.organization_id)
        scope = target.scope
        spec, prepared = await self._ready(scope, target, data)
        result, _ = await self._run_prepared(spec, prepared, scope, timeout=timeout)
        return result

    async def _ready(
        self, scope: ProjectRef, target: hotpath.Target, data: Any
    ) -> tuple[InstanceSpec, requests.PreparedRequest]:
        """The deployed spec and the prepared input; a thread only when there is a spec to
        deploy or input blobs to fetch."""
        current = self.deployments.current(str(target.version_id), target.fingerprint)
        if current is None or target.blob_inputs:
            return await run_sync(partial(self._deploy_and_prepare, scope, target, data))
        return current, self._prepare_target(None, scope, target, data)

    async def _run_prepared(
        self,
        spec: InstanceSpec,
        prepared: requests.PreparedRequest,
        scope: ProjectRef,
        *,
        timeout: int,
    ) -> tuple[RequestResult, bool]:
        """Ask an instance of ``spec`` on this loop; the result, and whether the instance was
        lost on the way. Output blobs are stored on a thread (here, unless instances run on
        other machines, which store them there)."""
        started = time.perf_counter()
        try:
            outcome = await self.executor.request(
                spec.key, prepared.data, request_id=prepared.request_id, timeout=float(timeout)
            )
            stores_blobs = not self.blobs_elsewhere  # else the instance's machine stored them
            if stores_blobs and any(f.data_type == "blob" for f in prepared.output_fields):
                result = await run_sync(partial(self._finish, spec, prepared, scope, outcome))
            else:
                result = self._finish(spec, prepared, scope, outcome)
        finally:
            prepared.clean_up()
        self._observe(spec, prepared, scope, result, seconds=time.perf_counter() - started)
        return result, outcome.lost

    def _resolve(self, token: str | None, project: str, model: str, version: str) -> hotpath.Target:
        with self.engine.connect() as connection:
            return hotpath.resolve(
                connection,
                token,
                project=project,
                model=model,
                version=version,
                lookups=self.lookups,
            )

    def _deploy_and_prepare(
        self, scope: ProjectRef, target: hotpath.Target, data: Any
    ) -> tuple[InstanceSpec, requests.PreparedRequest]:
        """The slow part of a direct request, in a thread: the spec deployed (if it changed)
        and the input's blobs fetched."""
        with transaction(self.sessions) as session:
            runs = self.deployments.current(str(target.version_id), target.fingerprint)
            recipe = runs or self._recipe_for(session, target)
            prepared = self._prepare_target(session, scope, target, data)
        try:
            spec = self._deployed(recipe, fingerprint=target.fingerprint)
        except BaseException:
            prepared.clean_up()
            raise
        return spec, prepared

    def _prepare_target(
        self, session: Any, scope: ProjectRef, target: hotpath.Target, data: Any
    ) -> requests.PreparedRequest:
        return requests.prepare_input(
            session,
            self.store,
            scope,
            scratch=partial(self.recipes.request_scratch, target.version_id),
            version_id=target.version_id,
            inputs=target.inputs,
            output_type=target.output_type,
            outputs=target.outputs,
            data=data,
            fetch_blobs=not self.blobs_elsewhere,
        )

    def _recipe_for(self, session: Session, target: hotpath.Target) -> Recipe:
        row = session.get(ModelVersionRow, target.version_id)
        recipe = self.recipes.of_row(session, row) if row is not None else None
        if recipe is None:
            raise Conflict(f"Version of model '{target.model_name}' has no build to run")
        return recipe

    async def run_batch(self, job: ClaimedJob) -> JobOutcome:
        """The job handler of batch requests: run one, pinned to the version it was made for.

        It runs as a task on the server's loop, the way ``request_direct`` runs: the version
        from the cached lookups (else one statement on a thread), the deployed spec reused
        while its fingerprint holds, the instance asked over its pipe. No thread carries the
        request while it waits, so the queue drains at the model's pace.
        """
        assert job.subject_id is not None
        found = hotpath.known_pinned(self.lookups, job.subject_id)
        if found is None:
            found = await run_sync(partial(self._pinned, job.subject_id))
        if found is None:
            return JobOutcome(False, error="the version this request was made for is gone")
        if found.status != "available" or not found.built:
            reason = f"version '{found.version}' is {found.status}; the request waits for it"
            return JobOutcome(False, error=reason, retryable=True)
        target = found.target
        scope = target.scope
        try:
            spec, prepared = await self._ready(scope, target, job.payload.get("data"))
        except DomainError as exc:
            return JobOutcome(False, error=exc.message)
        timeout = int(job.payload.get("timeout", BATCH_TIMEOUT))
        prepared = replace(prepared, request_id=str(job.id))  # its logs carry the batch id
        result, lost = await self._run_prepared(spec, prepared, scope, timeout=timeout)
        return JobOutcome(result.success, result.result, result.error_message, retryable=lost)

    def _pinned(self, version_id: uuid.UUID) -> hotpath.Pinned | None:
        with self.engine.connect() as connection:
            return hotpath.pinned(connection, version_id, lookups=self.lookups)

    def request_pinned(
        self,
        project: ProjectRef,
        version_id: uuid.UUID,
        data: Any,
        *,
        timeout: int,
        log_tags: dict[str, str] | None = None,
    ) -> tuple[RequestResult, bool]:
        """One request to the version ``version_id`` with input checked by the caller (a model
        object of a pipeline); also says whether the instance was lost on the way. Its log
        lines carry ``log_tags`` (the pipeline, object and pipeline request it ran for)."""
        with transaction(self.sessions) as session:
            row = session.get(ModelVersionRow, version_id)
            model = session.get(ModelRow, row.model_id) if row else None
            if row is None or model is None:
                raise Conflict("the version this request was made for is gone", field="version")
            recipe = self.recipes.of_row(session, row, model) if row.status == "available" else None
            if recipe is None:
                raise Conflict(f"version '{row.version}' is {row.status}, not available")
            prepared = requests.prepare_checked(
                session,
                self.store,
                project,
                model,
                row,
                data,
                scratch=partial(self.recipes.request_scratch, row.id),
                fetch_blobs=not self.blobs_elsewhere,
            )
        if log_tags:
            self.logs.tag_request(prepared.request_id, log_tags)
        return self._execute(recipe, prepared, project, timeout=timeout)

    def _execute(
        self,
        runs: InstanceSpec | Recipe,
        prepared: requests.PreparedRequest,
        project: ProjectRef,
        *,
        timeout: int,
        fingerprint: Fingerprint | None = None,
    ) -> tuple[RequestResult, bool]:
        """Run a prepared request on an instance of ``runs`` (a deployed spec, or the recipe
        to deploy first, read at ``fingerprint``), from a plain thread; also says whether the
        instance was lost."""
        started = time.perf_counter()
        try:
            spec = self._deployed(runs, fingerprint=fingerprint)
            outcome = self.executor.request_blocking(
                spec.key, prepared.data, request_id=prepared.request_id, timeout=float(timeout)
            )
            result = self._finish(spec, prepared, project, outcome)
        finally:
            prepared.clean_up()
        self._observe(spec, prepared, project, result, seconds=time.perf_counter() - started)
        return result, outcome.lost

    def _deployed(
        self, runs: InstanceSpec | Recipe, *, fingerprint: Fingerprint | None
    ) -> InstanceSpec:
        if isinstance(runs, InstanceSpec):
            return runs
        return self.deployments.deploy(runs, fingerprint=fingerprint)

    def _finish(
        self,
        spec: InstanceSpec,
        prepared: requests.PreparedRequest,
        project: ProjectRef,
        outcome: RequestOutcome,
    ) -> RequestResult:
        """The instance's answer as the request's result; output blobs are stored (a thread's
        work: it writes files and a row)."""

        def save_blob(path: Path) -> str:
            with transaction(self.sessions) as session:
                return requests.save_output_blob(session, self.store, project, path)

        if self.blobs_elsewhere:
            return requests.finish(prepared, outcome, None, outputs_under=())
        blobs = any(f.data_type == "blob" for f in prepared.output_fields)
        roots = (Path(spec.scratch_dir), Path(spec.package_dir)) if blobs else ()
        return requests.finish(prepared, outcome, save_blob, outputs_under=roots)

    def answer_for(self, spec: InstanceSpec) -> Callable[..., RequestOutcome]:
        """How this machine's instance of the version ``spec`` answers the cluster's requests
        (``core/cluster/instance.py`` hands it to Celery): the executor's ``request_blocking``,
        and for a version with blob fields the blob work the API server left to this machine
        around it, done as the embedded server does it. Fields never change, so it is decided
        once."""
        with self.engine.connect() as connection:
            found = hotpath.pinned(connection, uuid.UUID(spec.key))
        if found is None or not any(
            f.data_type == "blob" for f in found.target.inputs + found.target.outputs
        ):
            return self.executor.request_blocking
        return partial(self._answer_with_blobs, spec, found.target)

    def _answer_with_blobs(
        self,
        spec: InstanceSpec,
        target: hotpath.Target,
        key: str,
        data: Any,
        *,
        request_id: str,
        timeout: float | None,
    ) -> RequestOutcome:
        """Input blobs fetched into this machine's scratch directory, the request run, output
        files (under this instance's scratch or package directory) stored as blobs, whose ids
        the answer carries back; a bad blob fails the request with the reason."""
        scope = target.scope
        try:
            with transaction(self.sessions) as session:
                prepared = self._prepare_target(session, scope, target, data)
        except DomainError as exc:
            return RequestOutcome(False, error=exc.message)
        try:
            outcome = self.executor.request_blocking(
                key, prepared.data, request_id=request_id, timeout=timeout
            )
            if not outcome.success:
                return outcome
            result = self._finish(spec, replace(prepared, request_id=request_id), scope, outcome)
        finally:
            prepared.clean_up()
        return RequestOutcome(result.success, result.result, result.error_message)

    def _observe(
        self,
        spec: InstanceSpec,
        prepared: requests.PreparedRequest,
        project: ProjectRef,
        result: RequestResult,
        *,
        seconds: float,
    ) -> None:
        """Count the request (into the metrics tally, no I/O) and log a failure as a system line."""
        self.metrics.record_model_request(
            project,
            prepared.version_id,
            data=prepared.data,
            result=result.result,
            success=result.success,
            seconds=seconds,
        )
        if not result.success:
            line = f"request {result.request_id} failed: {result.error_message}"
            self.logs(LogRecord(spec.key, result.request_id, "system", line, time.time()))


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def create_serving(settings: Settings, sessions: SessionFactory, store: ArtifactStore) -> Serving:
    """The serving runtime the settings ask for (environments, packages, executor)."""
    policy = code_policy(settings)
    environments = EnvironmentBuilder(
        settings.resolved_environments_dir, find_uv_bin(), sandbox=policy.sandbox
    )

    def executor_factory(sink: LogWriter) -> Executor:
        if settings.executor == "celery":  # instances run on worker machines (core/cluster)
            return create_executor("celery", log_sink=sink, broker_url=settings.broker_url)
        return create_executor(settings.executor, log_sink=sink)

    return Serving(
        sessions,
        store,
        environments=environments,
        executor_factory=executor_factory,
        packages_root=(settings.data_dir / "packages").resolve(),
        box=secret_box(settings),
        policy=policy,
        scratch_root=(settings.data_dir / "scratch").resolve(),
    )
