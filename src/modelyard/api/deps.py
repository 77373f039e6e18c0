"""Dependencies shared by every dialect: the request's unit of work, and the parts of the
running server a route may need (a route names the part, not the whole context)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Annotated, TypeVar

from anyio import CancelScope
from anyio.to_thread import run_sync
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from modelyard.api.context import AppContext
from modelyard.core.secrets import SecretBox
from modelyard.db.engine import SessionFactory, transaction
from modelyard.settings import Settings
from modelyard.storage import ArtifactStore

T = TypeVar("T")


async def get_context(request: Request) -> AppContext:
    """Async on purpose: a plain ``def`` dependency would cost a thread-pool hop per request."""
    context: AppContext = request.app.state.context
    return context


async def get_session(
    context: Annotated[AppContext, Depends(get_context)],
) -> AsyncIterator[Session]:
    """One transaction per request, committed before the response is sent.

    ``scope="function"`` makes FastAPI run the commit when the route returns, not after the
    response has gone out: a client must never read its own write before it is committed.
    Async so that making the session costs no thread hop (it touches no database until the
    route's first query, on the route's worker thread); ending it takes one hop, and none
    when the route never used it.
    """
    session = context.sessions()
    try:
        yield session
    except BaseException:
        await _end(session, commit=False)
        raise
    await _end(session, commit=True)


async def _end(session: Session, *, commit: bool) -> None:
    if not session.in_transaction():
        session.close()  # nothing was read or written: no I/O
        return
    with CancelScope(shield=True):  # a client gone away still gets its transaction ended
        await run_sync(partial(_finish, session, commit))


def _finish(session: Session, commit: bool) -> None:
    with session:
        if not commit:
            session.rollback()
            return
        try:
            session.commit()
        except BaseException:
            session.rollback()
            raise


async def in_transaction(sessions: SessionFactory, work: Callable[[Session], T]) -> T:
    """``work`` in a transaction of its own on a worker thread: one hop, commit included."""
    return await run_sync(partial(_transact, sessions, work))


def _transact(sessions: SessionFactory, work: Callable[[Session], T]) -> T:
    with transaction(sessions) as session:
        return work(session)


ContextDep = Annotated[AppContext, Depends(get_context)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_store(context: ContextDep) -> ArtifactStore:
    return context.store


async def get_box(context: ContextDep) -> SecretBox:
    return context.box


async def get_settings(context: ContextDep) -> Settings:
    return context.settings


StoreDep = Annotated[ArtifactStore, Depends(get_store)]
"""The artifact store (packages, blobs, datasets, documents, record files)."""
BoxDep = Annotated[SecretBox, Depends(get_box)]
"""What seals and unseals secrets at rest."""
SettingsDep = Annotated[Settings, Depends(get_settings)]
