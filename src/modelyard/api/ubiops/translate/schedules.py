"""Translation of scheduled requests."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import schedules as wire
from modelyard.api.ubiops.translate import timestamp
from modelyard.core.schedules.schemas import ScheduleCreate, ScheduleRead, ScheduleUpdate


def schedule_create(body: wire.ScheduleCreate) -> ScheduleCreate:
    """Fields left out (or sent as null) take the defaults: direct requests, 300 s, enabled."""
    given = body.model_dump(exclude_none=True)
    given["request_data"] = body.request_data
    return ScheduleCreate.model_validate(given)


def schedule_update(body: wire.ScheduleUpdate) -> ScheduleUpdate:
    return ScheduleUpdate.model_validate(body.model_dump(exclude_unset=True))


def schedule(row: ScheduleRead) -> wire.ScheduleList:
    return wire.ScheduleList(
        id=str(row.id),
        name=row.name,
        object_type=row.object_type,
        object_name=row.object_name,
        version=row.version,
        schedule=row.schedule,
        request_data=row.request_data,
        batch=row.batch,
        timeout=row.timeout,
        enabled=row.enabled,
        creation_date=timestamp(row.creation_date),
    )
