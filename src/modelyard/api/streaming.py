"""A blocking generator of chunks sent as a response body, whatever the dialect.

The generator is read in a worker thread, one chunk ahead (the database or store and the network
work at once; memory stays bounded). Its first chunk is read before the status is sent, so a
stream that cannot start (a statement the database refuses) is answered by the app's error
handlers, not as a 200 cut short. It is closed in a worker thread as soon as the response ends,
however it ends: sent whole, the client gone, the request cancelled. Such a generator holds
what it reads from (a database connection inside a ``COPY``, a store's open stream). Left to the
garbage collector it would be closed late, on whatever thread collects it, often the event
loop's, where its blocking close would hold up every other request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping

import anyio
from anyio import to_thread
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


class ThreadedStream(StreamingResponse):
    """``StreamingResponse`` over a blocking iterator of bytes, closed when the response ends."""

    def __init__(
        self,
        chunks: Iterator[bytes],
        *,
        media_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._chunks = chunks
        self._pending: asyncio.Future[bytes | None] | None = None
        super().__init__(self._read_ahead(), media_type=media_type, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            self._pending = self._next()
            await asyncio.wait([self._pending])
            self._pending.result()  # before the status: a stream that cannot start is an error
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):  # a cancelled request still closes it
                await self._settle()
                await to_thread.run_sync(_close, self._chunks)

    async def _read_ahead(self) -> AsyncIterator[bytes]:
        while self._pending is not None:
            # waited for, not awaited: a cancelled response must not cancel the read, whose
            # thread would go on reading while the iterator is closed
            await asyncio.wait([self._pending])
            chunk = self._pending.result()
            if chunk is None:
                return
            self._pending = self._next()
            yield chunk

    def _next(self) -> asyncio.Future[bytes | None]:
        return asyncio.ensure_future(to_thread.run_sync(next, self._chunks, None))

    async def _settle(self) -> None:
        """Wait until no thread reads the iterator (a generator cannot be closed while it
        runs); a read ahead that nobody will send is dropped, its error with it."""
        pending = self._pending
        if pending is None:
            return
        await asyncio.wait([pending])
        if not pending.cancelled():
            pending.exception()  # retrieved: a read nobody sends, the body already cut short


def _close(chunks: Iterator[bytes]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()
