"""``/datasources/files/{link}``: the bytes of a LOCAL datasource's file, for a signed link.

No token: the link is the credential (sealed by this server, expiring, naming one file).
"""

from __future__ import annotations

import mimetypes

from fastapi.responses import FileResponse

from modelyard.api.deps import SessionDep
from modelyard.api.lightly.auth import signed_link
from modelyard.api.lightly.deps import LINK_PATH, StoresDep
from modelyard.api.openapi import file_download
from modelyard.api.routing import Router
from modelyard.core.data.datasources import service

router = Router()


@router.get(f"/{LINK_PATH}{{link}}", dependencies=[signed_link()], **file_download("*/*"))
def read_local_file(link: str, session: SessionDep, stores: StoresDep) -> FileResponse:
    path = service.linked_file(session, link, stores=stores)
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type)
