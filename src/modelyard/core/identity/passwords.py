"""Signing in with an email and password: Alchemite's OAuth2 ``password`` grant and UbiOps'
``POST /authorize``. Users created with tokens only have no password and cannot."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from modelyard.core.identity import repository as repo
from modelyard.core.identity import rules, service
from modelyard.core.identity.errors import wrong_password
from modelyard.core.identity.schemas import Principal, SignIn, TokenIssued
from modelyard.core.identity.throttle import SignInThrottle

UNUSABLE_HASH = "scrypt$" + "00" * 16 + "$" + "00" * 64
"""Checked instead when the email is unknown or has no password: every wrong sign-in costs one
scrypt, so the answer's timing does not tell whether the email has an account."""


def login(session: Session, email: str, password: str) -> Principal | None:
    """The user's principal if the password matches, else None (alike for unknown emails)."""
    user = repo.get_user_by_email(session, email.strip().lower())
    stored = user.password_hash if user is not None else None
    matches = rules.verify_password(password, stored or UNUSABLE_HASH)
    if user is None or stored is None or not matches:
        return None
    return Principal(user_id=user.id, email=user.email, is_admin=user.is_admin)


def sign_in(
    session: Session,
    throttle: SignInThrottle,
    attempt: SignIn,
    *,
    lifetime: timedelta,
    description: str,
) -> TokenIssued:
    """A session token of the user, expiring after ``lifetime``, if the password matches and
    neither the email nor the address has failed too often lately (``throttle``)."""
    throttle.check(attempt.email, attempt.address)
    principal = login(session, attempt.email, attempt.password)
    if principal is None:
        throttle.failed(attempt.email, attempt.address)
        raise wrong_password()
    throttle.succeeded(attempt.email)
    return service.issue_session_token(
        session, principal, lifetime=lifetime, description=description
    )
