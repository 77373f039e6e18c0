"""Dependencies shared by every dialect: the request's unit of work, and the parts of the
running server a route may need (a route names the part, not the whole context)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from modelyard.api.context import AppContext
from modelyard.core.secrets import SecretBox
from modelyard.db.engine import transaction
from modelyard.settings import Settings
from modelyard.storage import ArtifactStore


async def get_context(request: Request) -> AppContext:
    """Async on purpose: a plain ``def`` dependency would cost a thread-pool hop per request."""
    context: AppContext = request.app.state.context
    return context


def get_session(context: Annotated[AppContext, Depends(get_context)]) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent.

    ``scope="function"`` makes FastAPI run the commit when the route returns, not after the
    response has gone out: a client must never read its own write before it is committed.
    """
    with transaction(context.sessions) as session:
        yield session


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
