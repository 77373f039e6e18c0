"""Scheduled requests: a cron expression that makes requests to a model version or a pipeline.

A schedule targets an object (``object_type``): ``TARGETS`` says how to resolve and check each
kind of target, ``job_for`` what a firing enqueues. Each firing is a job written in the
transaction that claims the tick, so a tick fires once however many servers run, and a firing
that got claimed is never lost:

- ``batch`` true: a ``batch.request`` job on the version, listed with its batch requests;
- ``batch`` false: a ``schedule.request`` job, run by the worker like a direct request with
  the schedule's ``timeout``; its result stays on the job row.

Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.fields.rules import data_problems
from modelyard.core.fields.schemas import FieldSpec
from modelyard.core.identity import rules as identity_rules
from modelyard.core.identity.repository import add, flush
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.jobs import service as jobs
from modelyard.core.jobs.schemas import JobRead
from modelyard.core.pipelines import repository as pipeline_repo
from modelyard.core.pipelines.batch import KIND as PIPELINE_KIND
from modelyard.core.schedules import cron
from modelyard.core.schedules import repository as repo
from modelyard.core.schedules.errors import invalid, schedule_name_taken, schedule_not_found
from modelyard.core.schedules.repository import DueSchedule, Firing
from modelyard.core.schedules.schemas import ScheduleCreate, ScheduleRead, ScheduleUpdate
from modelyard.core.serving import repository as serving_repo
from modelyard.core.serving import rules
from modelyard.core.serving.batch import KIND as BATCH_KIND
from modelyard.db.tables import ModelRow, PipelineRow, ScheduleRow
from modelyard.db.types import utcnow
from modelyard.errors import InvalidInput

KIND = "schedule.request"
MAX_EXPRESSION = 128

# -- targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a schedule makes requests to, and the input that target takes."""

    object_type: str
    model_id: uuid.UUID | None
    version_id: uuid.UUID | None
    input_type: str
    input_fields: list[FieldSpec]
    pipeline_id: uuid.UUID | None = None


def _model_target(
    session: Session, project: ProjectRef, object_name: str, version: str | None
) -> Target:
    model = serving_repo.get_model_by_name(session, project.id, object_name)
    if model is None:
        raise invalid("object_name", f"model '{object_name}' does not exist")
    if not version:
        raise invalid("version", "is required when object_type is 'model'")
    row = serving_repo.get_version_by_name(session, model.id, version)
    if row is None:
        raise invalid("version", f"model '{object_name}' has no version '{version}'")
    return _of_model(model, version_id=row.id)


def _of_model(model: ModelRow, *, version_id: uuid.UUID | None) -> Target:
    fields = [FieldSpec.model_validate(f) for f in model.input_fields]
    return Target("model", model.id, version_id, model.input_type, fields)


def _pipeline_target(
    session: Session, project: ProjectRef, object_name: str, version: str | None
) -> Target:
    pipeline = pipeline_repo.get_pipeline_by_name(session, project.id, object_name)
    if pipeline is None:
        raise invalid("object_name", f"pipeline '{object_name}' does not exist")
    if version:
        raise invalid("version", "must be omitted when object_type is 'pipeline'")
    return _of_pipeline(pipeline)


def _of_pipeline(pipeline: PipelineRow) -> Target:
    fields = [FieldSpec.model_validate(f) for f in pipeline.input_fields]
    return Target("pipeline", None, None, pipeline.input_type, fields, pipeline_id=pipeline.id)


TargetResolver = Callable[[Session, ProjectRef, str, str | None], Target]
TARGETS: dict[str, TargetResolver] = {"model": _model_target, "pipeline": _pipeline_target}


def _resolve(session: Session, project: ProjectRef, data: ScheduleCreate) -> Target:
    resolver = TARGETS.get(data.object_type)
    if resolver is None:
        raise invalid("object_type", f"must be model or pipeline, not '{data.object_type}'")
    return resolver(session, project, data.object_name, data.version)


def _target_of(session: Session, row: ScheduleRow) -> Target:
    """The target of an existing schedule (a model's fields are fixed once created)."""
    pipeline = session.get(PipelineRow, row.pipeline_id) if row.pipeline_id else None
    if pipeline is not None:
        return _of_pipeline(pipeline)
    model = session.get(ModelRow, row.model_id) if row.model_id else None
    assert model is not None, f"schedule {row.id} has no model"
    return _of_model(model, version_id=row.version_id)


# -- rules ----------------------------------------------------------------------------------


def check_schedule(expression: str) -> str:
    """A five-field crontab expression that fires, normalised; 400 naming ``schedule``."""
    try:
        normalised = cron.normalise(expression)
    except cron.CronProblem as exc:
        raise invalid("schedule", str(exc)) from exc
    if len(normalised) > MAX_EXPRESSION:
        raise invalid("schedule", f"must be at most {MAX_EXPRESSION} characters long")
    return normalised


def check_request_data(target: Target, data: Any) -> Any:
    problems = data_problems(target.input_type, target.input_fields, data, side="input")
    if problems:
        raise invalid("request_data", "; ".join(problems))
    return data


def _read(named: repo.Named) -> ScheduleRead:
    row, object_name, version = named
    return ScheduleRead(
        id=row.id,
        name=row.name,
        object_type=row.object_type,
        object_name=object_name or "",
        version=version,
        schedule=row.schedule,
        request_data=row.request_data,
        batch=row.batch,
        timeout=row.timeout,
        enabled=row.enabled,
        creation_date=row.creation_date,
        next_run_at=row.next_run_at,
    )


def _get_row(session: Session, project: ProjectRef, name: str) -> ScheduleRow:
    row = repo.get_by_name(session, project.id, name)
    if row is None:
        raise schedule_not_found(name)
    return row


def _read_by_id(session: Session, schedule_id: uuid.UUID) -> ScheduleRead:
    named = repo.get_named(session, schedule_id)
    assert named is not None
    return _read(named)


# -- services -------------------------------------------------------------------------------


def create(
    session: Session, project: ProjectRef, data: ScheduleCreate, *, now: datetime | None = None
) -> ScheduleRead:
    """A schedule on an existing target, first firing at the next tick after ``now``."""
    name = identity_rules.check_name(data.name)
    target = _resolve(session, project, data)
    expression = check_schedule(data.schedule)
    request_data = check_request_data(target, data.request_data)
    timeout = rules.check_timeout(data.timeout)
    if repo.get_by_name(session, project.id, name) is not None:
        raise schedule_name_taken(name)
    now = now or utcnow()
    row = ScheduleRow(
        project_id=project.id,
        name=name,
        object_type=target.object_type,
        model_id=target.model_id,
        version_id=target.version_id,
        pipeline_id=target.pipeline_id,
        schedule=expression,
        request_data=request_data,
        batch=data.batch,
        timeout=timeout,
        enabled=data.enabled,
        next_run_at=cron.next_tick(expression, now),
        creation_date=now,
        last_updated=now,
    )
    add(session, row, conflict=schedule_name_taken(name))
    return _read_by_id(session, row.id)


def listing(session: Session, project: ProjectRef) -> list[ScheduleRead]:
    return [_read(named) for named in repo.list_named(session, project.id)]


def get(session: Session, project: ProjectRef, name: str) -> ScheduleRead:
    return _read_by_id(session, _get_row(session, project, name).id)


def _changes(
    session: Session, project: ProjectRef, row: ScheduleRow, data: ScheduleUpdate
) -> dict[str, Any]:
    """The checked new values; nothing is applied unless every field passes."""
    given = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if "request_data" in data.model_fields_set:
        given["request_data"] = check_request_data(_target_of(session, row), data.request_data)
    if "name" in given and given["name"] != row.name:
        given["name"] = identity_rules.check_name(given["name"])
        if repo.get_by_name(session, project.id, given["name"]) is not None:
            raise schedule_name_taken(given["name"])
    if "schedule" in given:
        given["schedule"] = check_schedule(given["schedule"])
    if "timeout" in given:
        given["timeout"] = rules.check_timeout(given["timeout"])
    return given


def update(
    session: Session,
    project: ProjectRef,
    name: str,
    data: ScheduleUpdate,
    *,
    now: datetime | None = None,
) -> ScheduleRead:
    """Change a schedule; a new cron, or enabling it again, waits for the next tick from now."""
    row = _get_row(session, project, name)
    changes = _changes(session, project, row, data)
    now = now or utcnow()
    restart = changes.get("schedule", row.schedule) != row.schedule or (
        changes.get("enabled") is True and not row.enabled
    )
    for field, value in changes.items():
        setattr(row, field, value)
    if restart:
        row.next_run_at = cron.next_tick(row.schedule, now)
    row.last_updated = now
    flush(session, conflict=schedule_name_taken(row.name))
    return _read_by_id(session, row.id)


def delete(session: Session, project: ProjectRef, name: str) -> None:
    """Delete a schedule; requests it already made stay, with their results."""
    session.delete(_get_row(session, project, name))
    session.flush()


# -- firing ---------------------------------------------------------------------------------


def due(session: Session, *, now: datetime, limit: int = 100) -> list[DueSchedule]:
    """Enabled schedules whose tick has come; claim each one with ``fire``."""
    return repo.due(session, now=now, limit=limit)


def job_for(firing: Firing) -> tuple[str, uuid.UUID | None, dict[str, Any]]:
    """The job a firing enqueues: its kind, subject and payload."""
    origin = {"data": firing.request_data, "schedule": firing.name}
    if firing.object_type == "pipeline":
        timeout = {} if firing.batch else {"pipeline_timeout": firing.timeout}
        return PIPELINE_KIND, firing.pipeline_id, {**origin, **timeout}
    if firing.object_type != "model":
        raise InvalidInput(f"cannot fire a schedule on a {firing.object_type}")
    if firing.batch:
        return BATCH_KIND, firing.version_id, origin
    return KIND, firing.version_id, {**origin, "timeout": firing.timeout}


def fire(session: Session, item: DueSchedule, *, now: datetime) -> JobRead | None:
    """Claim the tick ``item`` was due at and enqueue its request, in the caller's transaction.

    Returns the job, or None when another scheduler claimed this tick first (or the schedule
    changed since it was read). Ticks missed while no server ran make one firing, not a burst.
    """
    next_run_at = cron.after_firing(item.schedule, due=item.next_run_at, now=now)
    firing = repo.claim_firing(session, item, next_run_at=next_run_at)
    if firing is None:
        return None
    kind, subject_id, payload = job_for(firing)
    (job,) = jobs.enqueue(
        session, kind=kind, project_id=firing.project_id, subject_id=subject_id, payloads=[payload]
    )
    return job
