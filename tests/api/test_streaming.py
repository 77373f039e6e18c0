"""A streamed body's blocking generator is closed as the response ends, however it ends, in a
worker thread, and never while a thread still reads it: a records stream holds a database
connection inside a ``COPY`` until its generator is closed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from modelyard.api.streaming import ThreadedStream

Message = dict[str, Any]


class Source:
    """A generator of numbered chunks that records how it ended and on which thread; with
    ``gate`` set, each read after the first waits for it, as a slow database read would."""

    def __init__(self, count: int, gate: threading.Event | None = None) -> None:
        self.count, self.gate = count, gate
        self.reading = threading.Event()
        self.closed_on: str | None = None
        self.finished = False
        self.chunks = self._chunks()

    def _chunks(self) -> Iterator[bytes]:
        try:
            for number in range(self.count):
                if number and self.gate is not None:
                    self.reading.set()
                    assert self.gate.wait(10)
                yield b"%d\n" % number
            self.finished = True
        finally:
            self.closed_on = threading.current_thread().name


def scope(spec_version: str) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": spec_version}}


async def never_disconnects() -> Message:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


def test_a_whole_body_is_sent_in_order_and_the_generator_closed_off_the_loop() -> None:
    source = Source(5)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def run() -> None:
        await ThreadedStream(source.chunks, media_type="text/plain")(
            scope("2.4"), never_disconnects, send
        )

    asyncio.run(run())
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert body == b"0\n1\n2\n3\n4\n"
    assert source.finished
    assert source.closed_on not in (None, threading.main_thread().name)


def test_a_client_gone_mid_body_closes_the_generator_before_the_response_returns() -> None:
    source = Source(1000)
    bodies = 0

    async def send(message: Message) -> None:
        nonlocal bodies
        if message["type"] == "http.response.body":
            bodies += 1
            if bodies == 2:
                raise OSError("connection reset")  # ASGI 2.4: a send to a gone client

    async def run() -> None:
        with pytest.raises(Exception):  # noqa: B017, PT011 (Starlette's ClientDisconnect)
            await ThreadedStream(source.chunks, media_type="text/plain")(
                scope("2.4"), never_disconnects, send
            )

    asyncio.run(run())
    assert not source.finished
    assert source.closed_on not in (None, threading.main_thread().name)


def test_a_disconnect_message_cancels_the_body_and_still_closes_the_generator() -> None:
    """ASGI before 2.4: Starlette listens for ``http.disconnect`` and cancels the sending task,
    which must neither skip the close nor close the generator while a read is under way."""
    gate = threading.Event()
    source = Source(1000, gate)

    async def receive() -> Message:
        await asyncio.to_thread(source.reading.wait, 10)  # a read is under way in its thread
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        pass

    async def run() -> None:
        response = ThreadedStream(source.chunks, media_type="text/plain")
        asyncio.get_running_loop().call_later(0.2, gate.set)  # the read ends after the cancel
        await response(scope("2.3"), receive, send)

    asyncio.run(run())
    assert not source.finished
    assert source.closed_on not in (None, threading.main_thread().name)


def test_a_cancelled_request_waits_for_the_read_under_way_then_closes() -> None:
    gate = threading.Event()
    source = Source(1000, gate)

    async def send(message: Message) -> None:
        pass

    async def run() -> None:
        response = ThreadedStream(source.chunks, media_type="text/plain")
        task = asyncio.create_task(response(scope("2.4"), never_disconnects, send))
        await asyncio.to_thread(source.reading.wait, 10)
        task.cancel()
        await asyncio.sleep(0.1)
        assert source.closed_on is None  # still reading: not closed under the read's feet
        gate.set()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert source.closed_on not in (None, threading.main_thread().name)


def test_a_stream_that_cannot_start_raises_before_any_status_is_sent() -> None:
    """The first chunk is read before the status goes out, so the app's error handlers answer
    (a 4xx in the dialect's envelope, or a 500), not a 200 cut short."""
    closed: list[bool] = []

    def failing() -> Iterator[bytes]:
        try:
            raise LookupError("the database refused the statement")
            yield b""
        finally:
            closed.append(True)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def run() -> None:
        with pytest.raises(LookupError):
            await ThreadedStream(failing(), media_type="text/plain")(
                scope("2.3"), never_disconnects, send
            )

    asyncio.run(run())
    assert sent == []
    assert closed == [True]
