"""``GET /status``: open to all; says ``ok`` only when the database answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from modelyard.api.deps import ContextDep
from modelyard.api.ubiops.auth import public

router = APIRouter()


@router.get("/status", dependencies=[public()])
def service_status(context: ContextDep) -> JSONResponse:
    try:
        with context.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "fail"}, status_code=503)
    return JSONResponse({"status": "ok"})
