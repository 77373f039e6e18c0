"""The job state machine."""

from __future__ import annotations

import pytest

from modelyard.core.jobs import states


class TestTransitions:
    @pytest.mark.parametrize(
        ("current", "target"),
        [
            ("queued", "running"),
            ("queued", "cancelled"),
            ("running", "succeeded"),
            ("running", "failed"),
            ("running", "queued"),
        ],
    )
    def test_allowed(self, current: str, target: str) -> None:
        assert states.can_move(current, target)

    @pytest.mark.parametrize("final", sorted(states.FINAL))
    def test_final_states_never_move(self, final: str) -> None:
        assert not any(states.can_move(final, target) for target in states.TRANSITIONS)

    def test_a_queued_job_cannot_finish_without_running(self) -> None:
        assert not states.can_move("queued", "succeeded")


class TestFailures:
    def test_retryable_failures_go_back_until_attempts_run_out(self) -> None:
        assert states.after_failure(attempts=1, max_attempts=3, retryable=True) == "queued"
        assert states.after_failure(attempts=3, max_attempts=3, retryable=True) == "failed"

    def test_a_models_own_failure_is_final(self) -> None:
        assert states.after_failure(attempts=1, max_attempts=3, retryable=False) == "failed"

    def test_expired_lease_counts_as_a_retryable_failure(self) -> None:
        assert states.after_lease_expired(attempts=2, max_attempts=3) == "queued"
        assert states.after_lease_expired(attempts=3, max_attempts=3) == "failed"

    def test_retry_delay_grows_and_is_capped(self) -> None:
        delays = [states.retry_delay(n) for n in range(1, 10)]
        assert delays[:3] == [1.0, 2.0, 4.0]
        assert max(delays) == 60.0
        assert delays == sorted(delays)


class TestVocabulary:
    def test_every_status_has_a_ubiops_name_in_the_clients_enum(self) -> None:
        names = {states.ubiops_status(status) for status in states.TRANSITIONS}
        assert names <= {"pending", "processing", "completed", "failed"}

    def test_ubiops_filters_cover_every_status(self) -> None:
        covered = {s for group in states.JOB_STATUS_OF_UBIOPS.values() for s in group}
        assert covered == set(states.TRANSITIONS)
