"""The cluster's domain errors."""

from __future__ import annotations

from modelyard.errors import InvalidInput


def not_a_cluster(problems: list[str]) -> InvalidInput:
    """Celery mode asked for without what it needs; says what to set."""
    return InvalidInput(
        "MODELYARD_EXECUTOR=celery runs instances on other machines, so they must share "
        "everything but the broker through PostgreSQL and S3: " + "; ".join(problems),
        field="executor",
    )
