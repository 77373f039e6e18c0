"""Failed sign-ins are limited per email and per address, in bounded memory."""

from __future__ import annotations

import pytest

from modelyard.core.identity.errors import TooManyAttempts
from modelyard.core.identity.throttle import FailureLog, SignInLimits, SignInThrottle

LIMITS = SignInLimits(failures_per_email=3, failures_per_address=5, window=60.0, max_keys=100)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttle(clock: Clock) -> SignInThrottle:
    return SignInThrottle(LIMITS, clock=clock)


def fail(throttle: SignInThrottle, email: str, address: str, times: int = 1) -> None:
    for _ in range(times):
        throttle.check(email, address)
        throttle.failed(email, address)


def wait_of(throttle: SignInThrottle, email: str, address: str) -> int:
    with pytest.raises(TooManyAttempts) as caught:
        throttle.check(email, address)
    return caught.value.retry_after


class TestPerEmail:
    def test_the_email_is_blocked_after_its_limit_from_any_address(
        self, throttle: SignInThrottle
    ) -> None:
        for n in range(3):
            fail(throttle, "ann@example.com", f"10.0.0.{n}")
        assert wait_of(throttle, "ann@example.com", "10.9.9.9") == 60
        assert wait_of(throttle, " ANN@example.com ", "10.9.9.9") == 60

    def test_another_email_from_another_address_is_not_blocked(
        self, throttle: SignInThrottle
    ) -> None:
        fail(throttle, "ann@example.com", "10.0.0.1", times=3)
        throttle.check("bob@example.com", "10.0.0.2")

    def test_the_block_ends_when_the_oldest_failure_leaves_the_window(
        self, throttle: SignInThrottle, clock: Clock
    ) -> None:
        fail(throttle, "ann@example.com", "a")
        clock.now += 20
        fail(throttle, "ann@example.com", "a", times=2)
        assert wait_of(throttle, "ann@example.com", "a") == 40
        clock.now += 39.5
        assert wait_of(throttle, "ann@example.com", "a") == 1
        clock.now += 0.5
        throttle.check("ann@example.com", "a")
        throttle.failed("ann@example.com", "a")
        assert wait_of(throttle, "ann@example.com", "a") == 20

    def test_refusals_do_not_count_and_success_clears_the_email(
        self, throttle: SignInThrottle
    ) -> None:
        fail(throttle, "ann@example.com", "a", times=2)
        throttle.succeeded("ann@example.com")
        fail(throttle, "ann@example.com", "a", times=2)
        throttle.check("ann@example.com", "a")


class TestPerAddress:
    def test_an_address_is_blocked_after_its_limit_whatever_the_emails(
        self, throttle: SignInThrottle
    ) -> None:
        for n in range(5):
            fail(throttle, f"user{n}@example.com", "10.0.0.1")
        assert wait_of(throttle, "fresh@example.com", "10.0.0.1") == 60
        throttle.check("fresh@example.com", "10.0.0.2")

    def test_success_does_not_clear_the_address(self, throttle: SignInThrottle) -> None:
        for n in range(5):
            fail(throttle, f"user{n}@example.com", "10.0.0.1")
            throttle.succeeded(f"user{n}@example.com")
        assert wait_of(throttle, "user0@example.com", "10.0.0.1") == 60


class TestMemory:
    def test_each_scope_keeps_at_most_max_keys(self, throttle: SignInThrottle) -> None:
        for n in range(1000):
            throttle.failed(f"spray{n}@example.com" + "x" * 10_000, f"10.0.{n // 256}.{n % 256}")
        assert throttle.tracked() == (100, 100)

    def test_the_key_failed_longest_ago_is_forgotten_first(self, clock: Clock) -> None:
        log = FailureLog(limit=2, window=60.0, max_keys=2)
        log.fail(b"old", clock.now)
        log.fail(b"old", clock.now)
        log.fail(b"mid", clock.now)
        log.fail(b"old", clock.now)
        log.fail(b"new", clock.now)
        assert len(log) == 2
        assert log.wait(b"mid", clock.now) == 0
        assert log.wait(b"old", clock.now) == 60

    def test_a_key_keeps_at_most_its_limit_of_times(self, clock: Clock) -> None:
        log = FailureLog(limit=3, window=60.0, max_keys=10)
        for _ in range(10_000):
            log.fail(b"k", clock.now)
        assert len(log._times[b"k"]) == 3
