"""One table from domain error category to HTTP status; dialects render their own envelopes."""

from __future__ import annotations

from modelyard.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)

STATUS_BY_CATEGORY: dict[type[DomainError], int] = {
    InvalidInput: 400,
    Unauthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    Unavailable: 503,
}


def status_for(error: DomainError, overrides: dict[type[DomainError], int] | None = None) -> int:
    """The status for ``error``: a dialect's override first, then the shared table."""
    table = {**STATUS_BY_CATEGORY, **(overrides or {})}
    for category in type(error).__mro__:
        if category in table:
            return table[category]
    return 400
