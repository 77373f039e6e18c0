"""Lists answer ``Content-Range: first-last/total``: the SDK's pagers page with
``offset=len(got)`` and read the total there."""

from __future__ import annotations

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from modelyard.core.documents.schemas import Page


def listed(page: Page) -> JSONResponse:
    """A page with ``Content-Range: first-last/total`` (``*/total`` when empty), which the SDK's
    pagers read to know when they have everything."""
    count = len(page.items)
    span = f"{page.offset}-{page.offset + count - 1}" if count else "*"
    return JSONResponse(
        jsonable_encoder(page.items), headers={"Content-Range": f"{span}/{page.total}"}
    )
