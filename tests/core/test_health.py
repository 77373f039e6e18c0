"""``db/health``: the database asked at most once per ``fresh_for``, however many ask."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import Engine

from modelyard.db.engine import make_engine
from modelyard.db.health import Health
from tests.support.server import free_port


class TestHealth:
    def test_many_callers_at_once_share_one_question(self, engine: Engine) -> None:
        health = Health(engine, fresh_for=60)

        async def ask_many() -> list[bool]:
            return list(await asyncio.gather(*(health.answering() for _ in range(50))))

        assert asyncio.run(ask_many()) == [True] * 50
        assert asyncio.run(ask_many()) == [True] * 50
        assert health.asked == 1

    def test_a_stale_answer_is_asked_again(self, engine: Engine) -> None:
        health = Health(engine, fresh_for=0.05)
        assert asyncio.run(health.answering())
        assert health.known() is True
        time.sleep(0.1)
        assert health.known() is None
        assert asyncio.run(health.answering())
        assert health.asked == 2

    def test_a_database_that_does_not_answer_is_a_no(self) -> None:
        gone = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
        try:
            health = Health(gone, fresh_for=60)
            assert asyncio.run(health.answering()) is False
            assert health.known() is False
        finally:
            gone.dispose()

    def test_a_caller_that_goes_away_leaves_the_question_to_the_others(
        self, engine: Engine
    ) -> None:
        health = Health(engine, fresh_for=60)

        async def one_cancelled() -> bool:
            first = asyncio.ensure_future(health.answering())
            second = asyncio.ensure_future(health.answering())
            await asyncio.sleep(0)
            first.cancel()
            return await second

        assert asyncio.run(one_cancelled()) is True
        assert health.known() is True
