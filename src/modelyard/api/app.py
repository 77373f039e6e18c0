"""``create_app(settings)``: the whole HTTP surface, each dialect mounted at its vendor's path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import cast

from anyio.to_thread import run_sync
from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler as http_exception
from starlette.exceptions import HTTPException

from modelyard import __version__
from modelyard.api.alchemite import create_alchemite_app
from modelyard.api.audit import AuditMiddleware
from modelyard.api.context import AppContext
from modelyard.api.dialect import telemetry
from modelyard.api.kept import ENTRIES, KeptAnswers
from modelyard.api.leia import create_leia_app
from modelyard.api.lightly import create_lightly_app
from modelyard.api.limits import MB
from modelyard.api.openapi import Mounted, install_root_document
from modelyard.api.outage import Render
from modelyard.api.registry import MOUNT as REGISTRY
from modelyard.api.registry import mount_registry
from modelyard.api.ubiops import create_ubiops_app
from modelyard.api.ubiops.lane import Lane
from modelyard.core.background import create_background
from modelyard.core.observe.audit import AuditRecorder
from modelyard.core.secrets import secret_box
from modelyard.db.engine import make_engine, make_session_factory
from modelyard.db.health import Health
from modelyard.db.lookups import Lookups
from modelyard.db.signals import Signals
from modelyard.settings import Settings
from modelyard.storage import open_store


def create_app(settings: Settings) -> FastAPI:
    """The modelyard server; the database must already be migrated."""
    engine = make_engine(
        settings.resolved_database_url, lock_wait=settings.sqlite_lock_wait_seconds
    )
    signals = Signals()
    lookups = Lookups(ttl=settings.lookup_cache_seconds)
    reads = Lookups(ttl=settings.lookup_cache_seconds, size=ENTRIES)
    sessions = make_session_factory(engine, signals, lookups=lookups, reads=reads)
    store = open_store(settings.resolved_storage_url)
    background = create_background(settings, sessions, store, signals)
    audit = AuditRecorder(sessions)
    context = AppContext(
        settings=settings,
        engine=engine,
        sessions=sessions,
        store=store,
        serving=background.serving,
        box=secret_box(settings),
        health=Health(engine),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        background.start()
        audit.start()
        yield
        await run_sync(background.stop)  # the executor's loop serves its instances meanwhile
        audit.close()
        engine.dispose()

    app = FastAPI(
        title="modelyard",
        version=__version__,
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
        telemetry=telemetry(settings),
    )
    app.state.context = context
    app.add_middleware(AuditMiddleware, recorder=audit)
    mounted = (
        Mounted("/v2.1", "UbiOps CoreApi v2.1", create_ubiops_app(context)),
        Mounted("/v0", "Alchemite", create_alchemite_app(context)),
        Mounted("/leia/1.0.0", "Leia", create_leia_app(context)),
        Mounted(REGISTRY, "Models registry", mount_registry(app, context)),
        Mounted("/v1", "Lightly datasources", create_lightly_app(context)),
    )
    if settings.direct_lane:
        ubiops = mounted[0].app
        app.add_middleware(
            Lane,
            serving=context.serving,
            health=context.health,
            handlers=ubiops.exception_handlers,
            body_limit=settings.max_body_mb * MB,
        )
    app.add_middleware(KeptAnswers, reads=reads)  # outermost: a kept answer needs nothing else
    for dialect in mounted:
        if dialect.prefix != REGISTRY:  # mounted with and without its slash
            app.mount(dialect.prefix, dialect.app)
    install_root_document(app, mounted)
    app.add_exception_handler(HTTPException, partial(_in_dialect, mounted))
    return app


async def _in_dialect(mounted: tuple[Mounted, ...], request: Request, exc: Exception) -> Response:
    """A path the root's router matched nowhere (a mount's pattern stops at a line break) is
    answered in the envelope of the dialect whose prefix it starts with."""
    for dialect in mounted:
        if request.url.path.startswith(dialect.prefix):
            handler = cast(Render, dialect.app.exception_handlers[HTTPException])
            return await handler(request, exc)
    assert isinstance(exc, HTTPException)
    return await http_exception(request, exc)
