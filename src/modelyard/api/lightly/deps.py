"""Dependencies of the Lightly routes besides auth: the stores datasources are opened with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from modelyard.api.deps import ContextDep
from modelyard.core.data.datasources.service import Stores

LINK_PATH = "datasources/files/"
"""Where signed file links of LOCAL datasources are served, under the dialect's root."""


def get_stores(context: ContextDep) -> Stores:
    return Stores.of(context.settings, context.box)


async def get_link_base(request: Request) -> str:
    """The absolute URL signed links start with (this server as the client reached it)."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return f"{str(request.base_url).rstrip('/')}{root}/{LINK_PATH}"


StoresDep = Annotated[Stores, Depends(get_stores)]
LinkBaseDep = Annotated[str, Depends(get_link_base)]
DatasetId = Annotated[
    str,
    Path(alias="datasetId", pattern=r"^[0-9a-f]{24}$", description="24 lowercase hex digits"),
]
