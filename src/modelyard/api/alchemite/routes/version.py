"""``GET /version``: every vendor example calls it first; open to all (listed in the route
walk's ``OPEN_ROUTES``)."""

from __future__ import annotations

from fastapi import APIRouter

from modelyard import __version__
from modelyard.api.alchemite import translate

router = APIRouter()


@router.get("/version")
def version() -> dict[str, str]:
    return translate.version(__version__)
