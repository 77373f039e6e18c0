"""``GET /version``: every vendor example calls it first; open to all (listed in the route
walk's ``OPEN_ROUTES``)."""

from __future__ import annotations

from modelyard import __version__
from modelyard.api.alchemite import translate
from modelyard.api.routing import Router

router = Router()


@router.get("/version")
def version() -> dict[str, str]:
    return translate.version(__version__)
