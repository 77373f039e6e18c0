"""Routes of the registry; each path answers with and without a trailing slash, as the
framework's Litestar server does (no redirect: clients post to either form)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

Handler = Callable[..., Any]


def route(
    router: APIRouter, method: str, path: str, **options: Any
) -> Callable[[Handler], Handler]:
    """Register the handler at ``path`` and at ``path + "/"``."""

    def register(handler: Handler) -> Handler:
        router.add_api_route(path, handler, methods=[method], **options)
        router.add_api_route(
            path + "/", handler, methods=[method], include_in_schema=False, **options
        )
        return handler

    return register
