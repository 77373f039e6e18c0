"""Helpers for tests that drive modelyard with the real ``ubiops`` client."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import ubiops
from ubiops.rest import ApiException


def unique(prefix: str) -> str:
    """A name no other test uses (the client tests share one server)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_of(exc: ApiException) -> dict[str, str]:
    """The UbiOps error envelope the client hands back in ``ApiException.body``."""
    body: dict[str, str] = json.loads(exc.body)
    return body


@contextmanager
def client_for(url: str, token: str) -> Iterator[ubiops.CoreApi]:
    """A ``CoreApi`` for a server at ``url`` (without ``/v2.1``), closed afterwards."""
    configuration = ubiops.Configuration(
        host=f"{url}/v2.1", api_key={"Authorization": f"Token {token}"}
    )
    api_client = ubiops.ApiClient(configuration)
    try:
        yield ubiops.CoreApi(api_client)
    finally:
        api_client.close()
