"""Signing in with an email and password on a real database: a session token that expires,
one answer for every wrong sign-in, and the failure limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from modelyard.core.identity import passwords, rules, service
from modelyard.core.identity.errors import TooManyAttempts
from modelyard.core.identity.schemas import SignIn, UserCreate
from modelyard.core.identity.throttle import SignInLimits, SignInThrottle
from modelyard.errors import Unauthenticated

PASSWORD = "Passw0rd!"
HOUR = timedelta(hours=1)


@pytest.fixture
def throttle() -> SignInThrottle:
    return SignInThrottle(SignInLimits(failures_per_email=3, failures_per_address=10))


@pytest.fixture(autouse=True)
def users(session: Session) -> None:
    service.create_user(session, UserCreate(email="ann@example.com", password=PASSWORD))
    service.create_user(session, UserCreate(email="tokens-only@example.com"))


def sign_in(
    session: Session,
    throttle: SignInThrottle,
    email: str,
    password: str,
    *,
    address: str = "10.0.0.1",
    lifetime: timedelta = HOUR,
) -> str:
    attempt = SignIn(email=email, password=password, address=address)
    issued = passwords.sign_in(session, throttle, attempt, lifetime=lifetime, description="t")
    return issued.token


class TestSessionTokens:
    def test_the_token_is_the_users_and_works_like_any_token(
        self, session: Session, throttle: SignInThrottle
    ) -> None:
        token = sign_in(session, throttle, " Ann@Example.com", PASSWORD)
        principal = service.authenticate(session, token)
        assert principal.email == "ann@example.com"
        service.revoke_token(session, token)
        with pytest.raises(Unauthenticated):
            service.authenticate(session, token)

    def test_a_token_past_its_lifetime_is_refused(
        self, session: Session, throttle: SignInThrottle
    ) -> None:
        token = sign_in(session, throttle, "ann@example.com", PASSWORD, lifetime=timedelta(0))
        with pytest.raises(Unauthenticated):
            service.authenticate(session, token)


class TestWrongSignIns:
    @pytest.mark.parametrize(
        ("email", "password"),
        [
            ("ann@example.com", "wrong"),
            ("nobody@example.com", PASSWORD),
            ("tokens-only@example.com", ""),
            ("tokens-only@example.com", PASSWORD),
        ],
    )
    def test_get_one_answer(
        self, session: Session, throttle: SignInThrottle, email: str, password: str
    ) -> None:
        with pytest.raises(Unauthenticated) as caught:
            sign_in(session, throttle, email, password)
        assert (caught.value.message, caught.value.field) == (
            "The email or password is wrong",
            None,
        )

    @pytest.mark.parametrize(
        "email", ["ann@example.com", "nobody@example.com", "tokens-only@example.com"]
    )
    def test_cost_one_scrypt_whether_the_email_is_known_or_not(
        self, session: Session, email: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        checked: list[str | None] = []
        verify = rules.verify_password

        def counting(password: str, stored: str | None) -> bool:
            checked.append(stored)
            return verify(password, stored)

        monkeypatch.setattr(rules, "verify_password", counting)
        assert passwords.login(session, email, "wrong") is None
        assert len(checked) == 1
        assert checked[0] is not None
        assert checked[0].startswith("scrypt$")


class TestLimits:
    def test_the_email_is_blocked_then_even_the_right_password_waits(
        self, session: Session, throttle: SignInThrottle
    ) -> None:
        for _ in range(3):
            with pytest.raises(Unauthenticated):
                sign_in(session, throttle, "ann@example.com", "wrong", address="10.0.0.9")
        with pytest.raises(TooManyAttempts) as caught:
            sign_in(session, throttle, "ann@example.com", PASSWORD, address="10.0.0.8")
        assert 0 < caught.value.retry_after <= 900

    def test_a_success_clears_the_emails_failures(
        self, session: Session, throttle: SignInThrottle
    ) -> None:
        for _ in range(2):
            with pytest.raises(Unauthenticated):
                sign_in(session, throttle, "ann@example.com", "wrong")
        sign_in(session, throttle, "ann@example.com", PASSWORD)
        for _ in range(2):
            with pytest.raises(Unauthenticated):
                sign_in(session, throttle, "ann@example.com", "wrong")
        assert sign_in(session, throttle, "ann@example.com", PASSWORD)
