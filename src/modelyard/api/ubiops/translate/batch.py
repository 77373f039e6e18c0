"""Translation of batch requests (jobs of kind ``batch.request``)."""

from __future__ import annotations

from modelyard.api.ubiops.protocol import batch as wire
from modelyard.api.ubiops.translate import timestamp
from modelyard.core.jobs.schemas import JobRead
from modelyard.core.jobs.states import ubiops_status


def created(job: JobRead) -> wire.BatchRequestCreated:
    return wire.BatchRequestCreated(
        id=str(job.id), status=ubiops_status(job.status), time_created=timestamp(job.created_at)
    )


def listed(job: JobRead) -> wire.BatchRequestListed:
    return wire.BatchRequestListed(
        id=str(job.id),
        status=ubiops_status(job.status),
        success=job.status == "succeeded",
        time_created=timestamp(job.created_at),
        time_last_updated=timestamp(job.updated_at),
    )


def result(job: JobRead) -> wire.BatchRequestResult:
    done = job.status == "succeeded"
    return wire.BatchRequestResult(
        **listed(job).model_dump(),
        request_data=job.payload.get("data"),
        result=job.result if done else None,
        error_message=None if done else job.error,
    )
