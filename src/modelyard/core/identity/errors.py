"""Errors of the identity domain, worded for the person who sent the request."""

from __future__ import annotations

from modelyard.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)


class TooManyAttempts(DomainError):
    """Too many recent failures (of signing in): the same request may succeed after
    ``retry_after`` seconds. Dialects that sign users in answer it with 429 and Retry-After."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def organization_not_found(name: str) -> NotFound:
    return NotFound(f"Organization '{name}' was not found", field="organization_name")


def project_not_found(name: str) -> NotFound:
    return NotFound(f"Project '{name}' was not found", field="project_name")


def name_taken(kind: str, name: str) -> Conflict:
    return Conflict(f"{kind} with name '{name}' already exists", field="name")


def email_taken(email: str) -> Conflict:
    return Conflict(f"A user with email '{email}' already exists", field="email")


def not_organization_admin(name: str) -> PermissionDenied:
    return PermissionDenied(f"Only admins of organization '{name}' may do this")


def bad_token() -> Unauthenticated:
    return Unauthenticated("Authentication credentials are missing, invalid or revoked")


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", field=field)


def wrong_password() -> Unauthenticated:
    """The same words whether the email is unknown or the password wrong."""
    return Unauthenticated("The email or password is wrong")


def too_many_sign_ins(retry_after: int) -> TooManyAttempts:
    return TooManyAttempts(
        f"Too many failed sign-ins; try again in {retry_after} seconds", retry_after=retry_after
    )
