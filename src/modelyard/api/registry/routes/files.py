"""``/api/models/files/{token}``: the exact bytes of a record's file, behind a signed link that
expires (where the download route redirects). The link is the credential, so the route is
open (listed in the route walk's ``OPEN_ROUTES``); a forged or stale link is 404."""

from __future__ import annotations

from fastapi import Request

from modelyard.api.deps import ContextDep, SessionDep
from modelyard.api.downloads import download_headers
from modelyard.api.openapi import file_download
from modelyard.api.routing import Router
from modelyard.api.streaming import ThreadedStream
from modelyard.core.tracking import records

router = Router()


@router.get("/files/{token}", name="registry_file", **file_download("*/*"))
def record_file(
    token: str, request: Request, session: SessionDep, context: ContextDep
) -> ThreadedStream:
    found = records.open_file(session, context.store, token, box=context.box)
    headers = download_headers(found.filename, found.size)
    return ThreadedStream(found.chunks, media_type=found.content_type, headers=headers)
