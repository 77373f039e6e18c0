"""``/projects/{project_name}/logs``: the project's log lines, filtered as the seed defines."""

from __future__ import annotations

from typing import Annotated

from modelyard.api.deps import SessionDep
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import allowed
from modelyard.api.ubiops.protocol import observe as wire
from modelyard.api.ubiops.translate import observe as translate
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.observe import service

router = Router()


@router.post("/projects/{project_name}/logs", status_code=201, response_model_exclude_none=True)
def projects_log_list(
    body: wire.LogsCreate,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("logs.list")],
) -> list[wire.Logs]:
    lines = service.list_logs(
        session,
        project,
        body.filters,
        date=body.date,
        log_id=body.id,
        date_range=body.date_range,
        limit=body.limit,
    )
    return [translate.log(line) for line in lines]
