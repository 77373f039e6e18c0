"""``create_app(settings)``: the whole HTTP surface, each dialect mounted at its vendor's path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from modelyard import __version__
from modelyard.api.alchemite import create_alchemite_app
from modelyard.api.audit import AuditMiddleware
from modelyard.api.context import AppContext
from modelyard.api.leia import create_leia_app
from modelyard.api.lightly import create_lightly_app
from modelyard.api.registry import mount_registry
from modelyard.api.ubiops import create_ubiops_app
from modelyard.core.background import create_background
from modelyard.core.observe.audit import AuditRecorder
from modelyard.core.secrets import secret_box
from modelyard.db.engine import make_engine, make_session_factory
from modelyard.settings import Settings
from modelyard.storage import open_store


def create_app(settings: Settings) -> FastAPI:
    """The modelyard server; the database must already be migrated."""
    engine = make_engine(settings.resolved_database_url)
    sessions = make_session_factory(engine)
    store = open_store(settings.resolved_storage_url)
    background = create_background(settings, sessions, store)
    audit = AuditRecorder(sessions)
    context = AppContext(
        settings=settings,
        engine=engine,
        sessions=sessions,
        store=store,
        serving=background.serving,
        worker=background.worker,
        box=secret_box(settings),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        background.start()
        audit.start()
        yield
        background.stop()
        audit.close()
        engine.dispose()

    app = FastAPI(
        title="modelyard", version=__version__, docs_url="/docs", redoc_url=None, lifespan=lifespan
    )
    app.state.context = context
    app.add_middleware(AuditMiddleware, recorder=audit)
    app.mount("/v2.1", create_ubiops_app(context))
    app.mount("/v0", create_alchemite_app(context))
    app.mount("/leia/1.0.0", create_leia_app(context))
    mount_registry(app, context)
    app.mount("/v1", create_lightly_app(context))
    return app
