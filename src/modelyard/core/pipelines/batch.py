"""Batch pipeline requests: queued pipeline requests, run by the job worker, collected later.

Each is a job of kind ``pipeline.request`` whose subject is the pipeline, enqueued in the
transaction that accepts the call. The job's result holds the request's outcome:
``{"success", "error_message", "model_requests": [...]}``; a job that ran but had an object
fail is a failed pipeline request, with the model requests that did run. Deleting a request
cancels it: a running one starts no further object.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.identity import service as identity
from modelyard.core.identity import subscriptions
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs import service as jobs
from modelyard.core.jobs.schemas import ClaimedJob, JobOutcome, JobRead
from modelyard.core.pipelines import execution, service
from modelyard.core.pipelines import repository as repo
from modelyard.core.pipelines.errors import invalid, request_not_found
from modelyard.core.pipelines.execution import PipelineRunner
from modelyard.core.pipelines.schemas import BatchPipelineRequestRead, ObjectRequest
from modelyard.core.serving.batch import PAGE_LIMIT
from modelyard.db.engine import transaction
from modelyard.db.tables import JobRow, PipelineRow
from modelyard.errors import Conflict, DomainError, NotFound

KIND = "pipeline.request"
MAX_ITEMS = 100
STATUSES = ("pending", "processing", "completed", "failed")


def read(job: JobRead | JobRow) -> BatchPipelineRequestRead:
    """A job as a pipeline request: failed when any object in it failed."""
    result = job.result if isinstance(job.result, dict) else {}
    succeeded = job.status == "succeeded" and result.get("success") is True
    status = "failed" if job.status == "succeeded" and not succeeded else job.status
    records = [ObjectRequest.model_validate(r) for r in result.get("model_requests", [])]
    return BatchPipelineRequestRead(
        id=job.id,
        status=status,
        success=succeeded,
        request_data=job.payload.get("data"),
        model_requests=records,
        error_message=None if succeeded else (result.get("error_message") or job.error),
        time_created=job.created_at,
        time_last_updated=job.updated_at,
    )


def _items(data: Any) -> list[Any]:
    items = data if isinstance(data, list) else [data]
    if not 1 <= len(items) <= MAX_ITEMS:
        raise invalid("data", f"must hold 1 to {MAX_ITEMS} requests, not {len(items)}")
    return items


def create(
    session: Session, project: ProjectRef, pipeline_name: str, data: Any
) -> list[BatchPipelineRequestRead]:
    """Queue 1 to 100 requests; one faulty item refuses the whole call, naming the item."""
    pipeline = service.get_pipeline_row(session, project, pipeline_name)
    items = _items(data)
    for position, item in enumerate(items):
        execution.check_data(pipeline, item, field=f"data[{position}]")
    execution.prepare(session, project, pipeline, None)
    subscriptions.check_request_limit(session, project.organization_id, count=len(items))
    payloads = [{"data": item} for item in items]
    created = jobs.enqueue(
        session, kind=KIND, project_id=project.id, subject_id=pipeline.id, payloads=payloads
    )
    return [read(job) for job in created]


def parse_ids(values: Any) -> list[uuid.UUID]:
    """1 to 100 request ids; 400 naming the first that is not one."""
    if not isinstance(values, list) or not 1 <= len(values) <= MAX_ITEMS:
        raise invalid("data", f"must be a list of 1 to {MAX_ITEMS} request ids")
    ids = []
    for position, value in enumerate(values):
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError as exc:
            raise invalid(f"data[{position}]", f"'{value}' is not a request id") from exc
    return ids


def _all_found(session: Session, pipeline: PipelineRow, wanted: list[uuid.UUID]) -> list[JobRead]:
    found = jobs.find(session, kind=KIND, subject_id=pipeline.id, job_ids=wanted)
    missing = set(wanted) - {job.id for job in found}
    if missing:
        raise request_not_found(", ".join(sorted(str(m) for m in missing)))
    return found


def get(
    session: Session, project: ProjectRef, pipeline_name: str, request_id: str
) -> BatchPipelineRequestRead:
    pipeline = service.get_pipeline_row(session, project, pipeline_name)
    try:
        wanted = uuid.UUID(request_id)
    except ValueError as exc:
        raise request_not_found(request_id) from exc
    return read(_all_found(session, pipeline, [wanted])[0])


def collect(
    session: Session, project: ProjectRef, pipeline_name: str, ids: Any
) -> list[BatchPipelineRequestRead]:
    """Up to 100 requests by id; one unknown id returns nothing but the error."""
    pipeline = service.get_pipeline_row(session, project, pipeline_name)
    return [read(job) for job in _all_found(session, pipeline, parse_ids(ids))]


def listing(
    session: Session,
    project: ProjectRef,
    pipeline_name: str,
    *,
    status: str | None,
    success: bool | None,
    limit: int,
    offset: int,
    sort: str,
) -> list[BatchPipelineRequestRead]:
    pipeline = service.get_pipeline_row(session, project, pipeline_name)
    if status is not None and status not in STATUSES:
        raise invalid("status", f"must be one of {', '.join(STATUSES)}, not '{status}'")
    if sort not in ("asc", "desc"):
        raise invalid("sort", "must be asc or desc")
    if not PAGE_LIMIT[0] <= limit <= PAGE_LIMIT[1]:
        raise invalid("limit", "must be between 1 and 1000")
    if offset < 0:
        raise invalid("offset", "must be at least 0")
    found = repo.list_jobs(
        session,
        kind=KIND,
        pipeline_id=pipeline.id,
        status=status,
        success=success,
        limit=limit,
        offset=offset,
        newest_first=sort == "desc",
    )
    return [read(job) for job in found]


def delete(session: Session, project: ProjectRef, pipeline_name: str, ids: list[uuid.UUID]) -> int:
    """Delete (and so cancel) requests; one unknown id deletes nothing."""
    pipeline = service.get_pipeline_row(session, project, pipeline_name)
    _all_found(session, pipeline, ids)
    jobs.remove(session, ids)
    return len(ids)


# -- running ---------------------------------------------------------------------------------


def run_job(runner: PipelineRunner, job: ClaimedJob) -> JobOutcome:
    """The job handler of pipeline requests: run the pipeline as it is now on the input."""
    try:
        with transaction(runner.sessions) as session:
            prepared = _prepare_job(session, job)
    except Conflict as exc:
        return JobOutcome(False, error=f"{exc.message}; the request waits for it", retryable=True)
    except DomainError as exc:
        return JobOutcome(False, error=exc.message)

    def cancelled() -> bool:
        with transaction(runner.sessions) as session:
            return not repo.job_exists(session, job.id)

    outcome = runner.run(
        prepared,
        pipeline_timeout=int(
            job.payload.get("pipeline_timeout", execution.DEFAULT_PIPELINE_TIMEOUT)
        ),
        model_timeout=int(job.payload.get("model_timeout", execution.DEFAULT_MODEL_TIMEOUT)),
        cancelled=cancelled,
    )
    if outcome.lost:
        return JobOutcome(False, error=outcome.error or "an instance was lost", retryable=True)
    return JobOutcome(True, result=outcome.to_json())


def _prepare_job(session: Session, job: ClaimedJob) -> execution.Prepared:
    pipeline = session.get(PipelineRow, job.subject_id) if job.subject_id else None
    project = identity.project_ref(session, job.project_id)
    if pipeline is None or project is None:
        raise NotFound("the pipeline this request was made for is gone")
    data = execution.check_data(pipeline, job.payload.get("data"))
    prepared = execution.prepare(session, project, pipeline, data)
    return replace(prepared, request_id=str(job.id))  # its objects' logs carry the batch id
