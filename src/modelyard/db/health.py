"""Whether the database answers, asked at most once a second however often it is asked.

``GET /status`` says ``ok`` only when the database answers. Load balancers and probes may ask
thousands of times a second; each asking ``SELECT 1`` would cost a worker thread and a
connection every time. ``Health`` asks the database when its last answer is older than
``fresh_for`` seconds, once for every caller waiting meanwhile, and answers the rest from that
answer: a failure shows within a second of the database going away, and so does its return.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial

from anyio.to_thread import run_sync
from sqlalchemy import Engine, text

FRESH_SECONDS = 1.0


class Health:
    """The database's last answer to ``SELECT 1``, asked again when it is stale."""

    def __init__(self, engine: Engine, *, fresh_for: float = FRESH_SECONDS) -> None:
        self.engine, self.fresh_for = engine, fresh_for
        self._answer: bool | None = None
        self._asked_at = 0.0
        self._asking: asyncio.Task[bool] | None = None
        self.asked = 0
        """How many times the database was asked (for tests)."""

    def known(self) -> bool | None:
        """The answer if it is fresh, without waiting: None when it must be asked again."""
        if self._answer is None or time.monotonic() - self._asked_at > self.fresh_for:
            return None
        return self._answer

    async def answering(self) -> bool:
        """Whether the database answers; on the event loop, one thread hop at most a second.
        The asking is a task of its own, so a caller that goes away cancels only its wait."""
        known = self.known()
        if known is not None:
            return known
        if self._asking is None:
            self._asking = asyncio.get_running_loop().create_task(self._ask())
        return await asyncio.shield(self._asking)

    async def _ask(self) -> bool:
        try:
            answer = await run_sync(partial(_ask, self.engine))
        finally:
            self._asking = None
        self._answer, self._asked_at = answer, time.monotonic()
        self.asked += 1
        return answer


def _ask(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
