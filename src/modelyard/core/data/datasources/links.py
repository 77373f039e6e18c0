"""Signed, expiring links to files of LOCAL datasources, served by modelyard without a token.

The link is the dataset id, the file name and the expiry, sealed with the server's secret key
(Fernet: encrypted and authenticated), so it can be neither forged nor altered, names any file
(spaces, ``+``, ``#``, ``%``, unicode) without escaping trouble, and carries no credentials.
"""

from __future__ import annotations

import json
import time

from modelyard.core.secrets import SecretBox
from modelyard.errors import NotFound, PermissionDenied

LINK_LIFETIME = 3600
"""Seconds a read URL stays valid."""


def seal_link(box: SecretBox, dataset_id: str, file_name: str, *, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + LINK_LIFETIME)
    return box.seal(json.dumps([dataset_id, file_name, expires]))


def open_link(box: SecretBox, link: str, *, now: float | None = None) -> tuple[str, str]:
    """The dataset id and file name a link names; 404 for a link this server did not make,
    403 once it expired."""
    try:
        dataset_id, file_name, expires = json.loads(box.open(link))
    except (ValueError, TypeError, UnicodeError):
        raise NotFound("This file link is not valid", field="link") from None
    if (now if now is not None else time.time()) > expires:
        raise PermissionDenied("This file link has expired", field="link")
    return str(dataset_id), str(file_name)
