"""Signed, expiring links to files of LOCAL datasources, served by modelyard without a token.

The link (``core/links.py``) seals the dataset id and the file name, so it names any file
(spaces, ``+``, ``#``, ``%``, unicode) without escaping trouble.
"""

from __future__ import annotations

from modelyard.core import links
from modelyard.core.secrets import SecretBox
from modelyard.errors import NotFound, PermissionDenied

LINK_LIFETIME = 3600
"""Seconds a read URL stays valid."""


def seal_link(box: SecretBox, dataset_id: str, file_name: str, *, now: float | None = None) -> str:
    return links.seal_link(box, (dataset_id, file_name), lifetime=LINK_LIFETIME, now=now)


def open_link(box: SecretBox, link: str, *, now: float | None = None) -> tuple[str, str]:
    """The dataset id and file name a link names; 404 for a link this server did not make,
    403 once it expired."""
    opened = links.open_link(box, link, now=now)
    if opened is None or len(opened.values) != 2:
        raise NotFound("This file link is not valid", field="link")
    if opened.expired:
        raise PermissionDenied("This file link has expired", field="link")
    return opened.values[0], opened.values[1]
