"""Cron arithmetic for scheduled requests, as pure functions over aware UTC datetimes.

Kept apart from the scheduler so the rules that decide *when* a schedule fires (five fields
only, strictly-after ticks, missed ticks collapsing into one firing) are tested without a
database or a clock.
"""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import CroniterBadTypeRangeError, CroniterError, croniter

FIELDS = 5
FIELD_NAMES = "minute hour day-of-month month day-of-week"


class CronProblem(ValueError):
    """Why an expression cannot be a schedule, in words for the user."""


def normalise(expression: str) -> str:
    """The expression with its five fields separated by single spaces, or ``CronProblem``.

    Only the classic five-field crontab is accepted: croniter also reads seconds, years and
    ``@hourly``-style aliases, which the vendor's ``schedule`` field never carried.
    """
    fields = expression.split()
    if len(fields) != FIELDS:
        raise CronProblem(
            f"must be a crontab expression of {FIELDS} fields ({FIELD_NAMES}), "
            f"not {len(fields)} field(s): '{expression}'"
        )
    normalised = " ".join(fields)
    next_tick(normalised, datetime(2000, 1, 1, tzinfo=UTC))
    return normalised


def next_tick(expression: str, after: datetime) -> datetime:
    """The first tick strictly after ``after``, in UTC; ``CronProblem`` if there is none."""
    try:
        found = croniter(expression, after.astimezone(UTC)).get_next(datetime)
    except CroniterBadTypeRangeError as exc:
        raise CronProblem(f"'{expression}' is not a valid crontab expression: {exc}") from exc
    except CroniterError as exc:
        if "failed to find next date" in str(exc):
            raise CronProblem(f"'{expression}' never fires (no such date)") from exc
        raise CronProblem(f"'{expression}' is not a valid crontab expression: {exc}") from exc
    return found.astimezone(UTC)


def after_firing(expression: str, *, due: datetime, now: datetime) -> datetime:
    """Where ``next_run_at`` moves when the firing due at ``due`` happens at ``now``.

    A server that was down across several ticks fires once, then waits for the next tick
    in the future: missed ticks collapse into that one firing instead of a burst.
    """
    return next_tick(expression, max(due, now))
