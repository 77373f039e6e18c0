"""Encryption at rest for secrets (secret environment variables, protected credential fields).

Values are sealed with Fernet (AES-128-CBC + HMAC-SHA256). The key comes from
``MODELYARD_SECRET_KEY`` or, on one machine, from ``<data_dir>/secret.key``, created with
owner-only permissions on first use. Losing the key makes stored secrets unreadable, so a
cluster must share one key through the setting.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from modelyard.settings import Settings

KEY_FILE = "secret.key"


class SecretBox:
    """Seals and opens secret strings with one key."""

    def __init__(self, key: str | bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, value: str) -> str:
        """The encrypted form of ``value``, safe to store."""
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """The plain value; raises ValueError if the key does not fit."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("a stored secret cannot be decrypted with this secret key") from exc


def load_key(settings: Settings) -> str:
    """The secret key in effect: the setting, else the data directory's key file (made once)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(Fernet.generate_key().decode("ascii"))
    return path.read_text().strip()


def secret_box(settings: Settings) -> SecretBox:
    return SecretBox(load_key(settings))
