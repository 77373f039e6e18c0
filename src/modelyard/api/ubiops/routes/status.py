"""``GET /status``: open to all; says ``ok`` only when the database answers (``db/health``:
asked at most once a second, so probes cost no query and no thread hop in between)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from modelyard.api.deps import ContextDep
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import public

router = Router()
OK, FAIL = {"status": "ok"}, {"status": "fail"}


@router.get("/status", dependencies=[public()])
async def service_status(context: ContextDep) -> JSONResponse:
    if await context.health.answering():
        return JSONResponse(OK)
    return JSONResponse(FAIL, status_code=503)
