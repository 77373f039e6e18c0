"""The headers of every file download, whatever the dialect (pure: no web framework needed).

The UbiOps command-line tool of the 2.1 era cuts the saved file's name from
``Content-Disposition`` after ``attachment; filename=`` and reads nothing else, so a name that
fits a quoted string (printable ASCII without ``"`` or ``\\``) goes out in exactly that form.
Only a name that form cannot carry gets RFC 6266's ``filename*=UTF-8''…`` after an ASCII
fallback ``filename``, which browsers and httpx prefer and older parsers skip.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

ATTR_SPECIALS = "!#$&+^`|"
"""RFC 5987 ``attr-char`` punctuation that ``quote`` would escape but need not."""


def _plain(char: str) -> bool:
    return " " <= char <= "~" and char not in '"\\'


def _ascii_fallback(filename: str) -> str:
    """Accents dropped (``é`` → ``e``), anything else unsayable in ASCII replaced by ``_``."""
    letters = []
    for char in filename:
        if _plain(char):
            letters.append(char)
            continue
        base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
        letters.append(base if base and all(_plain(c) for c in base) else "_")
    return "".join(letters)


def attachment(filename: str) -> str:
    """The ``Content-Disposition`` value that saves the download as ``filename``."""
    if all(_plain(char) for char in filename):
        return f'attachment; filename="{filename}"'
    encoded = quote(filename, safe=ATTR_SPECIALS)
    return f"attachment; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{encoded}"


def download_headers(filename: str, size: int) -> dict[str, str]:
    """The name to save under and the exact length (the ubiops client checks it)."""
    return {"Content-Disposition": attachment(filename), "Content-Length": str(size)}
