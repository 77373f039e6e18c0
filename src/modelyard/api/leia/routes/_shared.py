"""Dependencies the Leia routes share: the raw body, the job list's filters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from modelyard.api.leia.auth import utc
from modelyard.api.openapi import INT64, within
from modelyard.core.documents import rules
from modelyard.core.documents.schemas import JobQuery


async def read_body(request: Request) -> bytes:
    """The raw request body (documents and model files are sent as octet-stream)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(read_body)]

Offset = Annotated[int, Query(json_schema_extra=within(0, INT64[1]))]
Limit = Annotated[int | None, Query(json_schema_extra=within(0, rules.MAX_LIMIT))]
"""Pagination of every Leia list (the core checks both: ``documents/rules.page``)."""


async def job_query(
    job_id: str | None = None,
    job_type: str | None = None,
    model_id: str | None = None,
    document_id: str | None = None,
    execute_after_id: str | None = None,
    status: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    sort: str | None = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> JobQuery:
    """The job list's filters, as ``get_jobs`` and ``admin_get_jobs`` send them."""
    return JobQuery(
        job_id=job_id,
        job_type=job_type,
        model_id=model_id,
        document_id=document_id,
        execute_after_id=execute_after_id,
        status=status,
        created_after=utc(created_after),
        created_before=utc(created_before),
        sort=sort,
        offset=offset,
        limit=limit,
    )


JobQueryDep = Annotated[JobQuery, Depends(job_query)]
