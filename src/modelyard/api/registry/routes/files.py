"""``/api/models/files/{token}``: the exact bytes of a record's file, behind a signed link that
expires (where the download route redirects). The link is the credential, so the route is
open (listed in the route walk's ``OPEN_ROUTES``); a forged or stale link is 404."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from modelyard.api.deps import ContextDep, SessionDep
from modelyard.core.tracking import records

router = APIRouter()


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@router.get("/files/{token}", name="registry_file")
def record_file(
    token: str, request: Request, session: SessionDep, context: ContextDep
) -> StreamingResponse:
    found = records.open_file(session, context.store, token, box=context.box)
    headers = {
        "Content-Length": str(found.size),
        "Content-Disposition": _disposition(found.filename),
    }
    return StreamingResponse(found.chunks, media_type=found.content_type, headers=headers)
