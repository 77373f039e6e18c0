"""Batch requests: queued requests to a version, run by the job worker, collected later.

Each request is a job of kind ``batch.request`` whose subject is the version it was made for,
so it stays pinned to that version; it is enqueued in the transaction that accepts the call.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.data import service as blobs
from modelyard.core.identity import subscriptions
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs import service as jobs
from modelyard.core.jobs import states
from modelyard.core.jobs.schemas import JobRead
from modelyard.core.serving import rules
from modelyard.core.serving.errors import not_available
from modelyard.core.serving.lookup import get_version_rows
from modelyard.core.serving.schemas import FieldSpec
from modelyard.errors import InvalidInput, NotFound

PAGE_LIMIT = (1, 1000)
"""How many batch requests one page of a listing may hold (models and pipelines alike)."""

KIND = "batch.request"
MAX_ITEMS = 250


def _items(data: Any) -> list[Any]:
    items = data if isinstance(data, list) else [data]
    if not 1 <= len(items) <= MAX_ITEMS:
        raise rules.invalid("data", f"must hold 1 to {MAX_ITEMS} requests, not {len(items)}")
    return items


def _check_item(
    session: Session,
    project: ProjectRef,
    position: int,
    fields: list[FieldSpec],
    io: str,
    item: Any,
) -> None:
    problems = rules.data_problems(io, fields, item, side="input")
    if problems:
        raise rules.invalid(f"data[{position}]", "; ".join(problems))
    for spec in fields:
        if spec.data_type == "blob" and isinstance(item, dict) and item.get(spec.name):
            try:
                blobs.get_blob(session, project, str(item[spec.name]))
            except NotFound as exc:
                where = f"data[{position}].{spec.name}"
                raise rules.invalid(where, f"blob '{item[spec.name]}' does not exist") from exc


def create(
    session: Session, project: ProjectRef, model_name: str, version: str, data: Any
) -> list[JobRead]:
    """Queue 1 to 250 requests; one faulty item refuses the whole call, naming the item."""
    model, row = get_version_rows(session, project, model_name, version)
    if row.status != "available":
        raise not_available(model.name, row.version, row.status)
    fields = [FieldSpec.model_validate(f) for f in model.input_fields]
    items = _items(data)
    for position, item in enumerate(items):
        _check_item(session, project, position, fields, model.input_type, item)
    subscriptions.check_request_limit(session, project.organization_id, count=len(items))
    payloads = [{"data": item} for item in items]
    return jobs.enqueue(
        session, kind=KIND, project_id=project.id, subject_id=row.id, payloads=payloads
    )


def _version_id(session: Session, project: ProjectRef, model_name: str, version: str) -> uuid.UUID:
    return get_version_rows(session, project, model_name, version)[1].id


def _ids(values: Any, *, field: str = "data") -> list[uuid.UUID]:
    if not isinstance(values, list) or not 1 <= len(values) <= MAX_ITEMS:
        raise rules.invalid(field, f"must be a list of 1 to {MAX_ITEMS} request ids")
    ids = []
    for position, value in enumerate(values):
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError as exc:
            raise rules.invalid(f"{field}[{position}]", f"'{value}' is not a request id") from exc
    return ids


def _all_found(session: Session, version_id: uuid.UUID, wanted: list[uuid.UUID]) -> list[JobRead]:
    found = jobs.find(session, kind=KIND, subject_id=version_id, job_ids=wanted)
    missing = set(wanted) - {job.id for job in found}
    if missing:
        listed = ", ".join(sorted(str(m) for m in missing))
        raise NotFound(f"No batch request(s) with id {listed} for this version", field="id")
    return found


def get(
    session: Session, project: ProjectRef, model_name: str, version: str, request_id: str
) -> JobRead:
    version_id = _version_id(session, project, model_name, version)
    try:
        wanted = uuid.UUID(request_id)
    except ValueError as exc:
        raise NotFound(f"No batch request with id '{request_id}'", field="request_id") from exc
    return _all_found(session, version_id, [wanted])[0]


def collect(
    session: Session, project: ProjectRef, model_name: str, version: str, ids: Any
) -> list[JobRead]:
    """Up to 250 requests by id; one unknown id returns nothing but the error."""
    version_id = _version_id(session, project, model_name, version)
    return _all_found(session, version_id, _ids(ids))


def listing(
    session: Session,
    project: ProjectRef,
    model_name: str,
    version: str,
    *,
    status: str | None,
    success: bool | None,
    limit: int,
    offset: int,
    sort: str,
) -> list[JobRead]:
    version_id = _version_id(session, project, model_name, version)
    if status is not None and status not in states.JOB_STATUS_OF_UBIOPS:
        raise rules.invalid("status", "must be one of pending, processing, completed, failed")
    if sort not in ("asc", "desc"):
        raise rules.invalid("sort", "must be asc or desc")
    if not PAGE_LIMIT[0] <= limit <= PAGE_LIMIT[1] or offset < 0:
        raise InvalidInput("limit: must be 1 to 1000, offset at least 0", field="limit")
    statuses = states.JOB_STATUS_OF_UBIOPS[status] if status else None
    return jobs.search(
        session,
        kind=KIND,
        subject_id=version_id,
        statuses=statuses,
        success=success,
        limit=limit,
        offset=offset,
        newest_first=sort == "desc",
    )


def delete(
    session: Session, project: ProjectRef, model_name: str, version: str, ids: list[uuid.UUID]
) -> int:
    """Delete requests (a pending one never runs); one unknown id deletes nothing."""
    version_id = _version_id(session, project, model_name, version)
    _all_found(session, version_id, ids)
    jobs.remove(session, ids)
    return len(ids)


def parse_ids(values: Any) -> list[uuid.UUID]:
    return _ids(values)
