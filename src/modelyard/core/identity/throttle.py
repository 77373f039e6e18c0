"""Limits on failed password sign-ins, per email and per client address.

An email that has failed ``failures_per_email`` times within the last ``window`` seconds is
refused (even with the right password) until its oldest failure leaves the window; so is a
client address that has failed ``failures_per_address`` times, whatever emails it tried. The
email limit stops guessing one user's password from many addresses; the address limit stops
one address from trying a few passwords on many users. A successful sign-in clears its email's
failures (not its address's); refusals are not failures, so waiting always ends a block. Every
email counts alike, known or not, so a block tells nothing about who has an account.

The counts live in this process (a server with several processes allows each the limits; the
database is not written on a failed attempt, whose transaction is rolled back anyway). Memory
is bounded for hostile input: keys are SHA-256 digests (a megabyte-long email costs 32 bytes),
each keeps at most its limit of timestamps, and each scope keeps at most ``max_keys`` keys,
forgetting the one that failed longest ago when full. Flooding that many fresh keys to push one
out takes more addresses than the address limit lets a single one use.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from modelyard.core.identity.errors import too_many_sign_ins


@dataclass(frozen=True)
class SignInLimits:
    failures_per_email: int = 5
    failures_per_address: int = 50
    window: float = 900.0
    max_keys: int = 10_000


class FailureLog:
    """The recent failure times of each key, at most ``limit`` per key and ``max_keys`` keys."""

    def __init__(self, limit: int, window: float, max_keys: int) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._times: OrderedDict[bytes, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._times)

    def wait(self, key: bytes, now: float) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        times = self._times.get(key)
        if times is None or len(times) < self.limit:
            return 0.0
        return max(0.0, times[0] + self.window - now)

    def fail(self, key: bytes, now: float) -> None:
        times = self._times.pop(key, None)
        if times is None:
            times = deque(maxlen=self.limit)
            while len(self._times) >= self.max_keys:
                self._times.popitem(last=False)
        while times and times[0] <= now - self.window:
            times.popleft()
        times.append(now)
        self._times[key] = times

    def forget(self, key: bytes) -> None:
        self._times.pop(key, None)


def _key(scope: str, value: str) -> bytes:
    return hashlib.sha256(f"{scope}\0{value}".encode("utf-8", "surrogatepass")).digest()


def _email(value: str) -> bytes:
    return _key("email", value.strip().lower())


def _address(value: str) -> bytes:
    return _key("address", value)


class SignInThrottle:
    """The failure counts of one server process; safe to share between request threads."""

    def __init__(
        self, limits: SignInLimits, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits, self._clock = limits, clock
        self._lock = threading.Lock()
        self._emails = FailureLog(limits.failures_per_email, limits.window, limits.max_keys)
        self._addresses = FailureLog(limits.failures_per_address, limits.window, limits.max_keys)

    def check(self, email: str, address: str) -> None:
        """Raise ``TooManyAttempts`` while the email or the address is blocked."""
        with self._lock:
            now = self._clock()
            wait = max(
                self._emails.wait(_email(email), now),
                self._addresses.wait(_address(address), now),
            )
        if wait > 0:
            raise too_many_sign_ins(max(1, math.ceil(wait)))

    def failed(self, email: str, address: str) -> None:
        with self._lock:
            now = self._clock()
            self._emails.fail(_email(email), now)
            self._addresses.fail(_address(address), now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._emails.forget(_email(email))

    def tracked(self) -> tuple[int, int]:
        """How many emails and addresses are remembered (for tests of the memory bound)."""
        with self._lock:
            return len(self._emails), len(self._addresses)
