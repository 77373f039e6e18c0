"""The registry over the in-process app, on each backend, with the administrator's token."""

from __future__ import annotations

import pytest

from modelyard.core.identity.schemas import TokenIssued
from tests.support.registry import bearer


@pytest.fixture
def headers(admin_token: TokenIssued) -> dict[str, str]:
    return bearer(admin_token.token)
