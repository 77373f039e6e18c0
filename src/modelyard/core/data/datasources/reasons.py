"""Failure reasons of stores, in words, with every secret cut out."""

from __future__ import annotations

REDACTED = "[secret]"


def describe(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """A one-line reason for ``exc`` that repeats none of ``secrets``."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    reason = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    for secret in secrets:
        if secret:
            reason = reason.replace(secret, REDACTED)
    return reason[:500]
