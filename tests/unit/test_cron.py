"""When schedules fire: next ticks, missed ticks collapsing into one, and refused expressions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from modelyard.core.schedules import cron


def at(hour: int, minute: int = 0, second: int = 0, *, day: int = 1) -> datetime:
    return datetime(2024, 1, day, hour, minute, second, tzinfo=UTC)


class TestNextTick:
    def test_every_minute_fires_at_the_next_whole_minute(self) -> None:
        assert cron.next_tick("* * * * *", at(12, 0, 30)) == at(12, 1)

    def test_a_time_exactly_on_a_tick_waits_for_the_following_one(self) -> None:
        assert cron.next_tick("* * * * *", at(12, 1)) == at(12, 2)
        assert cron.next_tick("0 * * * *", at(12)) == at(13)

    def test_day_of_month_schedules_skip_to_that_day(self) -> None:
        assert cron.next_tick("0 * 3 * *", at(12)) == at(0, day=3)

    def test_ticks_are_computed_in_utc_whatever_zone_the_time_is_in(self) -> None:
        amsterdam = timezone(timedelta(hours=1))
        local_noon = datetime(2024, 1, 1, 12, 0, 30, tzinfo=amsterdam)  # 11:00:30 UTC
        found = cron.next_tick("0 12 * * *", local_noon)
        assert found == at(12, day=1)
        assert found.tzinfo == UTC


class TestMissedTicks:
    def test_a_firing_on_time_moves_to_the_next_tick(self) -> None:
        assert cron.after_firing("*/5 * * * *", due=at(12, 5), now=at(12, 5, 1)) == at(12, 10)

    def test_ticks_missed_while_down_collapse_into_one_firing(self) -> None:
        # due at 12:05, the server came back at 14:33: one firing, next at 14:35, not 29 more
        assert cron.after_firing("*/5 * * * *", due=at(12, 5), now=at(14, 33)) == at(14, 35)

    def test_a_firing_never_moves_backwards(self) -> None:
        assert cron.after_firing("* * * * *", due=at(12, 5), now=at(12, 0)) == at(12, 6)


class TestExpressions:
    def test_fields_are_normalised_to_single_spaces(self) -> None:
        assert cron.normalise("  0  *\t3 * * ") == "0 * 3 * *"

    @pytest.mark.parametrize(
        ("expression", "reason"),
        [
            ("* * * *", "5 fields"),
            ("* * * * * *", "5 fields"),
            ("@hourly", "5 fields"),
            ("", "5 fields"),
            ("61 * * * *", "out of range"),
            ("*/0 * * * *", "not a valid crontab expression"),
            ("a b c d e", "not a valid crontab expression"),
            ("0 0 * * 8", "out of range"),
            ("0 0 31 2 *", "never fires"),
        ],
    )
    def test_bad_expressions_are_refused_with_the_reason(
        self, expression: str, reason: str
    ) -> None:
        with pytest.raises(cron.CronProblem) as caught:
            cron.normalise(expression)
        assert reason in str(caught.value)
