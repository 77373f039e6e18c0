"""Signals between processes that share a database: "there is new work on channel X".

``Signals`` is one process's switchboard. Listeners subscribe to a channel; ``publish`` hands a
signal to a dispatcher thread, so a commit never waits on what its signals set off. A listener
subscribed ``at_once`` is called by ``publish`` itself instead, in the committing thread, before
the commit returns: for what must hold by this process's very next request (a forgotten cached
lookup), and must be cheap. On
PostgreSQL a listener thread holds one connection that ``LISTEN``s on every subscribed channel
and publishes what other processes ``NOTIFY`` (``db/effects.signal`` sends them inside the
transaction). A process ignores its own notifications (they carry its origin): it has already
published them at commit. After the listening connection is lost and found again, every
channel hears an empty payload, since notifications sent meanwhile are gone: an empty payload
means "look for yourself". When it is lost, the ``at_once`` listeners hear one at once: what
they keep (cached lookups, kept reads) rests on hearing of changes, which no longer holds.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine

logger = logging.getLogger(__name__)

SIGNALS = "modelyard.signals"
"""The key of a session's ``info`` that holds its process's ``Signals``."""

Listener = Callable[[str], None]


def wire_channel(channel: str) -> str:
    return f"modelyard.{channel}"


def wire_payload(origin: str, payload: str) -> str:
    return f"{origin}|{payload}"


class Signals:
    """Channels to listeners, in one process."""

    def __init__(self) -> None:
        self.origin = uuid.uuid4().hex[:12]
        self._listeners: dict[str, list[Listener]] = {}
        self._at_once: dict[str, list[Listener]] = {}
        self._queue: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def subscribe(self, channel: str, listener: Listener, *, at_once: bool = False) -> None:
        """Call ``listener`` with each payload of ``channel``: on the dispatcher thread, or
        ``at_once`` in the thread that publishes (it must not block)."""
        listeners = self._at_once if at_once else self._listeners
        listeners.setdefault(channel, []).append(listener)

    def publish(self, channel: str, payload: str = "") -> None:
        """Call the channel's ``at_once`` listeners now, and hand ``payload`` to the others on
        the dispatcher thread."""
        for listener in self._at_once.get(channel, []):
            listener(payload)
        self._queue.put((channel, payload))

    def channels(self) -> set[str]:
        """Every channel something here listens on."""
        return {*self._listeners, *self._at_once}

    def start(self, engine: Engine | None = None) -> None:
        """Dispatch published signals; on PostgreSQL also hear other processes'."""
        self._spawn("modelyard-signals", self._dispatch)
        if engine is not None and engine.dialect.name == "postgresql":
            conninfo = engine.url.set(drivername="postgresql").render_as_string(False)
            self._spawn("modelyard-listen", lambda: self._listen(conninfo))

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=5)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _dispatch(self) -> None:
        while (item := self._queue.get()) is not None:
            channel, payload = item
            for listener in self._listeners.get(channel, []):
                try:
                    listener(payload)
                except Exception:
                    logger.exception("a listener of signal %s failed", channel)

    def _listen(self, conninfo: str) -> None:
        lost = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    for channel in self.channels():
                        connection.execute(f'LISTEN "{wire_channel(channel)}"')
                    if lost:  # what was sent while we were away is gone: everyone looks
                        for channel in self.channels():
                            self.publish(channel)
                    lost = False
                    self._relay(connection)
            except psycopg.Error as exc:
                if not lost:
                    logger.warning("listening for signals failed (%s); retrying", exc)
                    self._forget_everything()  # what is kept can no longer hear a change
                lost = True
                self._stop.wait(1.0)

    def _forget_everything(self) -> None:
        """Every channel's ``at_once`` listeners hear an empty payload: what they keep was
        kept on the promise of hearing of changes, which no longer holds."""
        for listeners in self._at_once.values():
            for listener in listeners:
                listener("")

    def _relay(self, connection: psycopg.Connection[tuple[object, ...]]) -> None:
        prefix = wire_channel("")
        while not self._stop.is_set():
            for notice in connection.notifies(timeout=1.0):
                origin, _, payload = notice.payload.partition("|")
                if origin != self.origin:
                    self.publish(notice.channel.removeprefix(prefix), payload)
