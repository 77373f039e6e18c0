"""The job state machine, as pure functions: what may follow what, and what a failure leads to.

queued ──claim──▶ running ──succeed──▶ succeeded
  ▲                  │ ──fail (final)──▶ failed
  └── retry / lease expired ─┘
queued | running ──cancel──▶ cancelled
"""

from __future__ import annotations

from typing import Literal

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
FINAL: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"running", "cancelled"}),
    "running": frozenset({"succeeded", "failed", "queued", "cancelled"}),
    "succeeded": frozenset(),
    "failed": frozenset(),
    "cancelled": frozenset(),
}
UBIOPS_STATUS: dict[str, str] = {
    "queued": "pending",
    "running": "processing",
    "succeeded": "completed",
    "failed": "failed",
    "cancelled": "failed",
}
JOB_STATUS_OF_UBIOPS: dict[str, tuple[str, ...]] = {
    "pending": ("queued",),
    "processing": ("running",),
    "completed": ("succeeded",),
    "failed": ("failed", "cancelled"),
}


def can_move(current: str, target: str) -> bool:
    """Whether a job in ``current`` may move to ``target``."""
    return target in TRANSITIONS.get(current, frozenset())


def after_failure(*, attempts: int, max_attempts: int, retryable: bool) -> Status:
    """Where a running job goes when its attempt failed: back to the queue, or failed for good."""
    if retryable and attempts < max_attempts:
        return "queued"
    return "failed"


def after_lease_expired(*, attempts: int, max_attempts: int) -> Status:
    """A worker vanished mid-job: run it again unless it has had all its attempts."""
    return after_failure(attempts=attempts, max_attempts=max_attempts, retryable=True)


def ubiops_status(status: str) -> str:
    """The UbiOps vocabulary (pending, processing, completed, failed) for a job status."""
    return UBIOPS_STATUS[status]


def retry_delay(attempts: int) -> float:
    """Seconds to wait before the next attempt: 1, 2, 4 … capped at a minute."""
    return float(min(60, 2 ** max(0, attempts - 1)))
