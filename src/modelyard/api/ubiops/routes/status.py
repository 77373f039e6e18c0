"""``GET /status``: open to all; says ``ok`` only when the database answers."""

from __future__ import annotations

from functools import partial

from anyio.to_thread import run_sync
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from modelyard.api.deps import ContextDep
from modelyard.api.routing import Router
from modelyard.api.ubiops.auth import public

router = Router()


@router.get("/status", dependencies=[public()])
async def service_status(context: ContextDep) -> JSONResponse:
    """One worker-thread hop for the query; everything else stays on the event loop."""
    try:
        await run_sync(partial(_ask, context.engine))
    except Exception:
        return JSONResponse({"status": "fail"}, status_code=503)
    return JSONResponse({"status": "ok"})


def _ask(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
