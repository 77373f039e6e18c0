"""Apply and train jobs: accepting them, chaining, holding, cancelling, and ending them.

A job's Leia-side row (``document_jobs``) keeps Leia's status vocabulary, its chain, its
callback and its result. Once it may run (not held, its prerequisite PROCESSED) a row of the
durable queue is written in the same transaction (kind ``job.apply``/``job.train``), which
carries claiming, leases and retries; a killed server's job runs again after restart.

BLOCKED (held until ``start``) → WAITING (for ``execute_after_id``) → READY (queued) →
LOADING_MODEL → PROCESSING → PROCESSED | FAILED; CANCELED from any unfinished state. A
prerequisite that fails or is cancelled fails the jobs chained after it. Every end writes the
job's callback to the outbox in the same transaction.

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.documents import catalog, rules
from modelyard.core.documents import documents as docs
from modelyard.core.documents import repository as repo
from modelyard.core.documents.schemas import (
    PENDING,
    TERMINAL,
    ApplyRequest,
    JobOptions,
    JobQuery,
    JobRead,
    Page,
    TrainRequest,
)
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs import callbacks
from modelyard.core.jobs import service as queue
from modelyard.db.tables import ApplicationRow, DocumentJobRow, JobRow
from modelyard.db.types import utcnow
from modelyard.errors import InvalidInput, NotFound

APPLY_KIND = "job.apply"
TRAIN_KIND = "job.train"
JOB_TYPE = "predict"
TRAIN_RESULT = "model"
SORT_KEYS = (
    "id",
    "creation_time",
    "status",
    "job_type",
    "model_id",
    "starting_time",
    "finished_time",
)


def read(row: DocumentJobRow) -> JobRead:
    return JobRead(
        id=str(row.id),
        application_id=str(row.application_id),
        job_type=row.job_type,
        model_id=str(row.model_id) if row.model_id else None,
        document_ids=list(row.document_ids),
        status=row.status,
        execute_after_id=str(row.execute_after_id) if row.execute_after_id else None,
        callback_url=row.callback_url,
        result=row.result,
        result_type=row.result_type,
        reason=row.reason,
        creation_time=row.created_at,
        starting_time=row.started_at,
        finished_time=row.finished_at,
    )


def _prerequisite(
    session: Session, project: ProjectRef, owner: uuid.UUID, options: JobOptions
) -> DocumentJobRow | None:
    """The job to run after: one of the same application (another's is unknown)."""
    if options.execute_after_id is None:
        return None
    row = repo.get_job(session, options.execute_after_id, lock=True)
    if row is None or row.project_id != project.id or row.application_id != owner:
        raise NotFound(f"No job '{options.execute_after_id}'", field="execute_after_id")
    return row


def _documents(
    session: Session, project: ProjectRef, owner: uuid.UUID, data: ApplyRequest
) -> list[str]:
    ids = [value for value in data.document_ids if value]
    if not ids:
        raise InvalidInput("document_ids: name at least one document", field="document_ids")
    if data.tag is not None:
        if len(ids) != 1:
            raise InvalidInput("tag: with a tag, document_ids must hold a single id", field="tag")
        docs.owned(session, project, owner, ids[0])
        found = [
            row
            for row in repo.list_documents(session, owner)
            if str(row.original_id) == ids[0] and data.tag in row.tags
        ]
        if not found:
            raise InvalidInput(
                f"tag: no document from '{ids[0]}' is tagged '{data.tag}'", field="tag"
            )
        return [str(row.id) for row in found]
    return [str(docs.owned(session, project, owner, value).id) for value in ids]


def submit_apply(
    session: Session,
    project: ProjectRef,
    owner: uuid.UUID,
    model_id: str,
    data: ApplyRequest,
    *,
    admin: bool,
) -> JobRead:
    """Accept an apply job over one or several documents the caller owns."""
    model = catalog.find(session, project, model_id, user=None if admin else owner)
    if data.format_type not in (None, "", "classification"):
        raise InvalidInput("format_type: must be empty or classification", field="format_type")
    if data.page_range is not None:
        if data.execute_after_id is None:
            raise InvalidInput("page_range: needs execute_after_id", field="page_range")
        rules.parse_page_range(data.page_range)
    document_ids = _documents(session, project, owner, data)
    spec = {
        "format_type": data.format_type or None,
        "page_range": data.page_range,
        "model_params": data.model_params,
    }
    return _accept(session, project, owner, APPLY_KIND, model.id, document_ids, spec, data)


def submit_train(
    session: Session, project: ProjectRef, owner: uuid.UUID, data: TrainRequest
) -> JobRead:
    """Accept a train job: the newest model with ``model_module`` on the documents tagged
    ``documents_tag``; its result is the new model."""
    base = repo.newest_with_module(session, project.id, data.model_module)
    if base is None:
        raise NotFound(f"No model with model_module '{data.model_module}'", field="model_module")
    rules.check_name(data.model.name, "model_name")
    rules.check_ttl(data.model.ttl)
    tagged = [
        str(row.id) for row in repo.list_documents(session, owner) if data.documents_tag in row.tags
    ]
    if not tagged:
        raise InvalidInput(
            f"documents_tag: no document is tagged '{data.documents_tag}'", field="documents_tag"
        )
    spec = {"model_params": data.model_params, "model": data.model.model_dump(mode="json")}
    return _accept(session, project, owner, TRAIN_KIND, base.id, tagged, spec, data)


def _accept(
    session: Session,
    project: ProjectRef,
    owner: uuid.UUID,
    kind: str,
    model_id: uuid.UUID,
    document_ids: list[str],
    spec: dict[str, Any],
    options: JobOptions,
) -> JobRead:
    before = _prerequisite(session, project, owner, options)
    row = DocumentJobRow(
        project_id=project.id,
        application_id=owner,
        kind=kind,
        job_type=JOB_TYPE,
        model_id=model_id,
        document_ids=document_ids,
        status="BLOCKED" if options.block_processing else "WAITING",
        execute_after_id=before.id if before else None,
        spec=spec,
        callback_url=options.callback_url or _default_callback(session, owner),
        callback_headers=options.callback_headers,
        result_type=(
            TRAIN_RESULT
            if kind == TRAIN_KIND
            else rules.result_type(spec.get("format_type"), len(document_ids))
        ),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    if not options.block_processing:
        _advance(session, row)
    return read(row)


def _default_callback(session: Session, owner: uuid.UUID) -> str | None:
    """An application's ``default_job_callback_url`` serves jobs that name none."""
    application = session.get(ApplicationRow, owner)
    return application.default_job_callback_url if application is not None else None


def _advance(session: Session, row: DocumentJobRow) -> None:
    """An unheld job: queue it, wait for its prerequisite, or fail with it.

    The prerequisite is read again, locked, after this job's row is written: the end of the
    prerequisite either committed before (seen here) or waits for this transaction and then
    finds this job among its dependents, so no chained job is left waiting forever."""
    session.flush()
    before = (
        repo.get_job(session, str(row.execute_after_id), lock=True)
        if row.execute_after_id
        else None
    )
    if before is None or before.status == "PROCESSED":
        row.status = "READY"
        queued = queue.enqueue(
            session,
            kind=row.kind,
            project_id=row.project_id,
            subject_id=row.id,
            payloads=[{"job_id": str(row.id)}],
        )
        row.queue_job_id = queued[0].id
        session.flush()
    elif before.status in ("FAILED", "CANCELED"):
        end(session, row, "FAILED", reason=f"prerequisite job {before.id} is {before.status}")
    else:
        row.status = "WAITING"
        session.flush()


def end(
    session: Session,
    row: DocumentJobRow,
    status: str,
    *,
    result: Any = None,
    reason: str | None = None,
) -> bool:
    """End a job once (False if it had already ended): its callback goes to the outbox in
    this transaction, and the jobs chained after it go on or fail with it."""
    if row.status in TERMINAL:
        return False
    row.status, row.result, row.reason, row.finished_at = status, result, reason, utcnow()
    session.flush()
    if row.callback_url:
        callbacks.record(
            session,
            project_id=row.project_id,
            job_id=row.id,
            url=row.callback_url,
            headers=row.callback_headers,
            payload=read(row).model_dump(mode="json"),
        )
    for after in repo.dependents(session, row.id):
        if status != "PROCESSED":
            end(session, after, "FAILED", reason=f"prerequisite job {row.id} is {status}")
        elif after.status == "WAITING":
            _advance(session, after)
    return True


def _own(session: Session, project: ProjectRef, owner: uuid.UUID, job_id: str) -> DocumentJobRow:
    row = repo.get_job(session, job_id, lock=True)
    if row is None or row.project_id != project.id or row.application_id != owner:
        raise NotFound(f"No job '{job_id}'", field="job_id")
    return row


def get(session: Session, project: ProjectRef, owner: uuid.UUID, job_id: str) -> JobRead:
    return read(_own(session, project, owner, job_id))


def statuses(
    session: Session, project: ProjectRef, owner: uuid.UUID, job_ids: list[str]
) -> dict[str, str]:
    return {job_id: _own(session, project, owner, job_id).status for job_id in job_ids}


def start(session: Session, project: ProjectRef, owner: uuid.UUID, job_id: str) -> JobRead:
    """Release a held job; any other job is left as it is."""
    row = _own(session, project, owner, job_id)
    if row.status == "BLOCKED":
        row.status = "WAITING"
        _advance(session, row)
    return read(row)


def cancel(session: Session, project: ProjectRef, owner: uuid.UUID, job_id: str) -> None:
    """Cancel an unfinished job (its queue row goes too); a finished job is left as it is."""
    row = _own(session, project, owner, job_id)
    if row.status in TERMINAL:
        return
    if row.queue_job_id is not None:
        queue.remove(session, [row.queue_job_id])
    end(session, row, "CANCELED", reason="canceled by the application")


def _matches(row: DocumentJobRow, query: JobQuery) -> bool:
    checks = (
        query.job_id is None or str(row.id) == query.job_id,
        query.job_type is None or row.job_type == query.job_type,
        query.model_id is None or str(row.model_id) == query.model_id,
        query.document_id is None or query.document_id in row.document_ids,
        query.execute_after_id is None or str(row.execute_after_id) == query.execute_after_id,
        query.status is None or row.status == query.status,
        rules.in_window(row.created_at, query.created_after, query.created_before),
    )
    return all(checks)


def listing(session: Session, owner: uuid.UUID, query: JobQuery) -> Page:
    keys = rules.sort_keys(query.sort, SORT_KEYS)
    found = [read(row) for row in repo.list_jobs(session, owner) if _matches(row, query)]
    ordered = rules.sorted_by(found, keys, lambda item, key: getattr(item, key))
    return Page(
        items=rules.page(ordered, query.offset, query.limit),
        offset=query.offset,
        total=len(ordered),
    )


def is_pending(status: str) -> bool:
    return status in PENDING


def reconcile(session: Session) -> int:
    """End the queued or running jobs whose queue row is gone or ended for good (its last
    attempt's lease expired): FAILED, with the queue's reason. Returns how many ended."""
    count = 0
    for row in repo.stranded(session):
        queued = session.get(JobRow, row.queue_job_id) if row.queue_job_id else None
        if queued is not None and queued.status not in ("failed", "cancelled", "succeeded"):
            continue
        reason = (queued.error if queued is not None else None) or "the job's run was lost"
        count += int(end(session, row, "FAILED", reason=reason))
    return count
