"""Dependencies the Leia routes share: the raw body, the context's store."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request


async def read_body(request: Request) -> bytes:
    """The raw request body (documents and model files are sent as octet-stream)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(read_body)]
