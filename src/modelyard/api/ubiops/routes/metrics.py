"""``/projects/{project_name}/metrics/{metric}``: a metric per minute, hour, day or month."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from modelyard.api.deps import SessionDep
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import allowed
from modelyard.api.ubiops.protocol import observe as wire
from modelyard.api.ubiops.translate import observe as translate
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.observe import metrics

router = Router()


@router.get("/projects/{project_name}/metrics/{metric}")
def metrics_get(
    metric: str,
    session: SessionDep,
    project: Annotated[ProjectRef, allowed("metrics.get")],
    start_time: Annotated[str, Query()],
    end_time: Annotated[str, Query()],
    object_type: Annotated[str, Query()],
    interval: Annotated[str, Query()] = "hour",
    object_id: Annotated[str | None, Query()] = None,
) -> list[wire.Metrics]:
    points = metrics.metric_values(
        session,
        project,
        metric,
        object_type=object_type,
        start_time=start_time,
        end_time=end_time,
        interval=interval,
        object_id=object_id,
    )
    return [translate.metric(point) for point in points]
