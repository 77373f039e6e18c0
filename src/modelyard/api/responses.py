"""Responses every dialect shares."""

from __future__ import annotations

from fastapi import Response


def no_content() -> Response:
    """204 with a Content-Type: some vendor clients crash on a response without one."""
    return Response(status_code=204, media_type="application/json")
