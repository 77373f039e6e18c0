"""Running a pipeline request: each object once all its sources are done, branches at once.

Model objects run through the serving runtime pinned to their version; connector objects write
their input through the connector. The first failure fails the request: nothing new starts,
what is already running finishes and is reported too. The database is used in short
transactions (preparing, delivering, checking for cancellation), never while a model runs.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.observe import service as observe
from modelyard.core.observe.schemas import LogTags
from modelyard.core.pipelines import connectors, graph, service
from modelyard.core.pipelines.errors import invalid
from modelyard.core.pipelines.schemas import ObjectRequest, PipelineRequestResult
from modelyard.core.serving import rules
from modelyard.core.serving.deployer import Serving
from modelyard.db.engine import SessionFactory, transaction
from modelyard.db.tables import PipelineRow
from modelyard.db.types import utcnow
from modelyard.errors import Conflict, DomainError

logger = logging.getLogger(__name__)
DEFAULT_PIPELINE_TIMEOUT, PIPELINE_TIMEOUT_RANGE = 3600, (1, 7200)
DEFAULT_MODEL_TIMEOUT, MODEL_TIMEOUT_RANGE = 300, (1, 3600)
MAX_PARALLEL = 8


def check_timeouts(pipeline_timeout: int, model_timeout: int) -> None:
    """The seed's limits: a pipeline request up to 7200 s, each model request up to 3600 s."""
    for name, value, (low, high) in (
        ("pipeline_timeout", pipeline_timeout, PIPELINE_TIMEOUT_RANGE),
        ("model_timeout", model_timeout, MODEL_TIMEOUT_RANGE),
    ):
        if not low <= value <= high:
            raise invalid(name, f"must be between {low} and {high} seconds, not {value}")


@dataclass(frozen=True)
class Prepared:
    """A checked pipeline request, ready to run outside any transaction."""

    project: ProjectRef
    pipeline: str
    plan: graph.Plan
    nodes: Mapping[str, graph.Node]
    versions: Mapping[str, uuid.UUID]
    connectors: Mapping[str, str]
    data: Any
    pipeline_id: uuid.UUID | None = None
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    """The pipeline request's id: its objects' log lines carry it."""


def check_data(pipeline: PipelineRow, data: Any, *, field: str = "data") -> Any:
    """The request's input against the pipeline's input definition (400 naming ``field``)."""
    fields = [FieldSpec.model_validate(f) for f in pipeline.input_fields]
    problems = rules.data_problems(pipeline.input_type, fields, data, side="input")
    if problems:
        raise invalid(field, "; ".join(problems))
    return data


def prepare(session: Session, project: ProjectRef, pipeline: PipelineRow, data: Any) -> Prepared:
    """Check the graph is complete and every model object's version is available."""
    loaded, plan = service.load_graph(session, project, pipeline)
    versions: dict[str, uuid.UUID] = {}
    targets: dict[str, str] = {}
    for name in plan.order:
        found = loaded.objects[name]
        if found.version is None or found.model is None:
            targets[name] = found.row.reference_name
            continue
        if found.version.status != "available":
            raise Conflict(
                f"object '{name}': version '{found.version.version}' of model "
                f"'{found.model.name}' is {found.version.status}, not available",
                field="pipeline_name",
            )
        versions[name] = found.version.id
    return Prepared(
        project, pipeline.name, plan, loaded.nodes, versions, targets, data, pipeline_id=pipeline.id
    )


@dataclass
class Outcome:
    """What running a pipeline request gave: every object's record, and the first failure."""

    records: list[tuple[str, ObjectRequest]] = field(default_factory=list)
    error: str | None = None
    lost: bool = False

    def reported(self) -> list[ObjectRequest]:
        """Every model request, and the connector deliveries that failed."""
        return [r for kind, r in self.records if kind == "model" or not r.success]

    def to_json(self) -> dict[str, Any]:
        requests = [r.model_dump(mode="json") for r in self.reported()]
        return {
            "success": self.error is None,
            "error_message": self.error,
            "model_requests": requests,
        }


def _never() -> bool:
    return False


class PipelineRunner:
    """Runs prepared pipeline requests on the serving runtime."""

    def __init__(
        self, sessions: SessionFactory, serving: Serving, *, max_parallel: int = MAX_PARALLEL
    ) -> None:
        self.sessions, self.serving, self.max_parallel = sessions, serving, max_parallel

    def request(
        self,
        project: ProjectRef,
        pipeline_name: str,
        data: Any,
        *,
        pipeline_timeout: int,
        model_timeout: int,
    ) -> PipelineRequestResult:
        """A direct pipeline request, answered when every object has run (or one failed)."""
        check_timeouts(pipeline_timeout, model_timeout)
        with transaction(self.sessions) as session:
            pipeline = service.get_pipeline_row(session, project, pipeline_name)
            prepared = prepare(session, project, pipeline, check_data(pipeline, data))
        self.serving.quota.admit(project.organization_id)
        outcome = self.run(prepared, pipeline_timeout=pipeline_timeout, model_timeout=model_timeout)
        return PipelineRequestResult(
            pipeline_request_id=prepared.request_id,
            project=project.name,
            pipeline=pipeline_name,
            success=outcome.error is None,
            error_message=outcome.error,
            model_requests=outcome.reported(),
        )

    def run(
        self,
        prepared: Prepared,
        *,
        pipeline_timeout: int,
        model_timeout: int,
        cancelled: Callable[[], bool] = _never,
    ) -> Outcome:
        """Run the objects of ``prepared`` in dependency order, independent ones at once."""
        workers = max(1, min(self.max_parallel, len(prepared.plan.order)))
        with ThreadPoolExecutor(workers, thread_name_prefix="modelyard-pipeline") as pool:
            run = _Run(self, prepared, pool, time.monotonic() + pipeline_timeout, model_timeout)
            run.until_done(cancelled)
        position = {name: i for i, name in enumerate(prepared.plan.order)}
        run.outcome.records.sort(key=lambda item: position[item[1].pipeline_object])
        self.serving.metrics.record(
            prepared.project,
            "pipeline",
            object_id=prepared.pipeline_id,
            object_name=prepared.pipeline,
            values={"requests": 1.0, "object_requests": float(len(run.outcome.records))},
            volume_of=("input_volume", prepared.data),
        )
        return run.outcome

    def run_object(
        self, prepared: Prepared, name: str, data: Any, *, timeout: int
    ) -> tuple[str, ObjectRequest, Any, bool]:
        """One object: (kind, record, output, instance lost)."""
        started = utcnow()
        if name in prepared.connectors:
            return "connector", self._deliver(prepared, name, data, started), None, False
        try:
            tags = {
                "pipeline_name": prepared.pipeline,
                "pipeline_object_name": name,
                "pipeline_request_id": prepared.request_id,
            }
            result, lost = self.serving.request_pinned(
                prepared.project, prepared.versions[name], data, timeout=timeout, log_tags=tags
            )
        except DomainError as exc:
            record = _record(name, data, started, success=False, error=exc.message)
            return "model", record, None, False
        record = ObjectRequest(
            request_id=result.request_id,
            pipeline_object=name,
            success=result.success,
            request_data=data,
            result=result.result,
            error_message=result.error_message,
            time_created=started,
            time_last_updated=utcnow(),
        )
        return "model", record, result.result, lost

    def _deliver(
        self, prepared: Prepared, name: str, data: Any, started: datetime
    ) -> ObjectRequest:
        """Write one item through the object's connector; a failure is logged with its name."""
        connector = prepared.connectors[name]
        serving = self.serving
        serving.metrics.record(
            prepared.project,
            "connector",
            object_id=None,
            object_name=connector,
            values={"requests": 1.0},
            volume_of=("volume", data),
        )
        try:
            with transaction(self.sessions) as session:
                connectors.deliver(
                    session, serving.box, serving.store, prepared.project, connector, [data]
                )
        except DomainError as exc:
            return self._failed(prepared, name, data, started, exc.message)
        except Exception as exc:
            logger.exception("connector %s raised", connector)
            reason = f"Connector '{connector}': {exc}"
            return self._failed(prepared, name, data, started, reason)
        return _record(name, data, started, success=True, error=None)

    def _failed(
        self, prepared: Prepared, name: str, data: Any, started: datetime, reason: str
    ) -> ObjectRequest:
        """A connector failure fails the request, and is logged with the connector's name."""
        logger.warning("pipeline %s, object %s: %s", prepared.pipeline, name, reason)
        tags = LogTags(
            pipeline_name=prepared.pipeline,
            pipeline_object_name=name,
            connector_name=prepared.connectors[name],
            pipeline_request_id=prepared.request_id,
        )
        self._log(prepared, f"pipeline '{prepared.pipeline}', object '{name}': {reason}", tags)
        return _record(name, data, started, success=False, error=reason)

    def _log(self, prepared: Prepared, line: str, tags: LogTags) -> None:
        try:
            with transaction(self.sessions) as session:
                observe.system_log(session, prepared.project.id, line, tags=tags, level="error")
        except Exception:
            logger.exception("could not save a pipeline log line")


def _record(
    name: str, data: Any, started: datetime, *, success: bool, error: str | None
) -> ObjectRequest:
    return ObjectRequest(
        request_id=None,
        pipeline_object=name,
        success=success,
        request_data=data,
        error_message=error,
        time_created=started,
        time_last_updated=utcnow(),
    )


class _Run:
    """The state of one pipeline request while it runs."""

    def __init__(
        self,
        runner: PipelineRunner,
        prepared: Prepared,
        pool: ThreadPoolExecutor,
        deadline: float,
        model_timeout: int,
    ) -> None:
        self.runner, self.prepared, self.pool = runner, prepared, pool
        self.deadline, self.model_timeout = deadline, model_timeout
        self.outputs: dict[str, Any] = {graph.START: prepared.data}
        self.started: set[str] = set()
        self.running: dict[Future[tuple[str, ObjectRequest, Any, bool]], str] = {}
        self.outcome = Outcome()

    def until_done(self, cancelled: Callable[[], bool]) -> None:
        while True:
            if self.outcome.error is None:
                self._start_ready(cancelled)
            if not self.running:
                return
            finished, _ = wait(self.running, return_when=FIRST_COMPLETED)
            for future in finished:
                self._finish(self.running.pop(future), future)

    def _start_ready(self, cancelled: Callable[[], bool]) -> None:
        ready = [name for name in self.prepared.plan.order if self._is_ready(name)]
        if not ready:
            return
        if cancelled():
            self.outcome.error = "the pipeline request was cancelled"
            return
        for name in ready:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self.outcome.error = f"the pipeline request timed out before object '{name}' ran"
                return
            timeout = max(1, min(self.model_timeout, math.floor(remaining)))
            node = self.prepared.nodes[name]
            assert node.takes is not None
            data = graph.assemble(node.takes, self.prepared.plan.incoming[name], self.outputs)
            future = self.pool.submit(
                self.runner.run_object, self.prepared, name, data, timeout=timeout
            )
            self.started.add(name)
            self.running[future] = name

    def _is_ready(self, name: str) -> bool:
        if name in self.started:
            return False
        return graph.sources_of(self.prepared.plan, name) <= self.outputs.keys()

    def _finish(self, name: str, future: Future[tuple[str, ObjectRequest, Any, bool]]) -> None:
        kind, record, output, lost = future.result()
        self.outcome.records.append((kind, record))
        self.outcome.lost = self.outcome.lost or lost
        if record.success:
            self.outputs[name] = output
        elif self.outcome.error is None:
            self.outcome.error = f"object '{name}' failed: {record.error_message}"
