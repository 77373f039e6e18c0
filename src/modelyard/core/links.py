"""Signed, expiring links: what a URL that needs no token carries (a Lightly LOCAL file, a
registry record's file).

A link is a few strings and an expiry, sealed with the server's secret key (``SecretBox``,
Fernet: encrypted and authenticated), so it can be neither forged nor altered, carries no
credentials, and every server of a cluster that shares the key accepts the others' links. Each
domain decides what its link names and which error a bad or stale link gets.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from modelyard.core.secrets import SecretBox


@dataclass(frozen=True)
class OpenedLink:
    values: tuple[str, ...]
    expired: bool


def seal_link(
    box: SecretBox, values: tuple[str, ...], *, lifetime: int, now: float | None = None
) -> str:
    expires = int((now if now is not None else time.time()) + lifetime)
    return box.seal(json.dumps([*values, expires]))


def open_link(box: SecretBox, link: str, *, now: float | None = None) -> OpenedLink | None:
    """What a link names and whether it has expired; None for a link this server did not make."""
    try:
        *values, expires = json.loads(box.open(link))
        moment = now if now is not None else time.time()
        return OpenedLink(tuple(str(v) for v in values), moment > int(expires))
    except (ValueError, TypeError, UnicodeError):
        return None
