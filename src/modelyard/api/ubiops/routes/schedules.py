"""``/projects/{project}/schedules``: create, list, get, update and delete scheduled requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from modelyard.api.deps import SessionDep
from modelyard.api.responses import no_content
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import allowed
from modelyard.api.ubiops.protocol import schedules as wire
from modelyard.api.ubiops.translate import schedules as translate
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.schedules import service as schedules

router = Router(prefix="/projects/{project_name}/schedules")


@router.post("", status_code=201)
def scheduled_requests_create(
    body: wire.ScheduleCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("schedules.create")],
) -> wire.ScheduleList:
    data = translate.schedule_create(body)
    return translate.schedule(schedules.create(session, project, data))


@router.get("")
def scheduled_requests_list(
    session: SessionDep, project: Annotated[ProjectRef, allowed("schedules.list")]
) -> list[wire.ScheduleList]:
    return [translate.schedule(s) for s in schedules.listing(session, project)]


@router.get("/{schedule_name}")
def scheduled_requests_get(
    schedule_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("schedules.get")],
) -> wire.ScheduleList:
    return translate.schedule(schedules.get(session, project, schedule_name))


@router.patch("/{schedule_name}")
def scheduled_requests_update(
    schedule_name: str,
    body: wire.ScheduleUpdate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("schedules.update")],
) -> wire.ScheduleList:
    data = translate.schedule_update(body)
    return translate.schedule(schedules.update(session, project, schedule_name, data))


@router.delete("/{schedule_name}", status_code=204)
def scheduled_requests_delete(
    schedule_name: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("schedules.delete")],
) -> Response:
    schedules.delete(session, project, schedule_name)
    return no_content()
