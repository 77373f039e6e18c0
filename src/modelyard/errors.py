"""Domain errors: what went wrong, in words a user can act on.

Services raise these; each API dialect maps the category to its status code and envelope.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """The request is malformed or breaks a rule; ``field`` names the culprit."""


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate name, a resource in use)."""


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""


class Unauthenticated(DomainError):
    """No valid credentials came with the request."""


class Unavailable(DomainError):
    """Something the server depends on (its database) is down for now; the request may be
    tried again after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after
