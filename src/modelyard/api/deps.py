"""Dependencies shared by every dialect: the request's unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from modelyard.api.context import AppContext
from modelyard.db.engine import transaction


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
