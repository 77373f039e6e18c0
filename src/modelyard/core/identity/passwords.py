"""Signing in with an email and password, for dialects with a password grant (Alchemite's
OAuth2 ``password`` grant). Users created with tokens only have no password and cannot."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelyard.core.identity import repository as repo
from modelyard.core.identity import rules
from modelyard.core.identity.schemas import Principal


def login(session: Session, email: str, password: str) -> Principal | None:
    """The user's principal if the password matches, else None (alike for unknown emails)."""
    user = repo.get_user_by_email(session, email.strip().lower())
    if user is None or not rules.verify_password(password, user.password_hash):
        return None
    return Principal(user_id=user.id, email=user.email, is_admin=user.is_admin)
