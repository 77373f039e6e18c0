"""Pure rules of the identity domain: names, passwords, tokens. No I/O."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from modelyard.core.identity.errors import invalid

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")
NAME_MAX = 64
TOKEN_PREFIX = "my_"  # noqa: S105 (a public prefix, not a secret)
SPECIALS = set("!#$%&')(*+,./:;\"<=>?[@]^_`{|}~-")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+$")


def check_name(value: str, *, field: str = "name") -> str:
    """Organization and project names: lowercase letters, digits and dashes, a letter first."""
    if not value:
        raise invalid(field, "may not be empty")
    if len(value) > NAME_MAX:
        raise invalid(field, f"must be at most {NAME_MAX} characters long")
    if not NAME_PATTERN.match(value):
        raise invalid(
            field,
            "may only consist of lowercase letters, numbers and dashes (-), "
            "and must start with a lowercase letter",
        )
    return value


def check_email(value: str) -> str:
    """A plausible email address, kept as given but compared lowercase."""
    if len(value) > 254 or not EMAIL_PATTERN.match(value):
        raise invalid("email", "must be a valid email address of at most 254 characters")
    return value.strip().lower()


def check_new_password(value: str) -> str:
    """The seed's password policy for a password being set."""
    problems = []
    if len(value) < 8:
        problems.append("be at least 8 characters long")
    if not any(c.isupper() for c in value) or not any(c.islower() for c in value):
        problems.append("contain a capital and a lowercase letter")
    if not any(c.isdigit() for c in value):
        problems.append("contain a number")
    if not any(c in SPECIALS for c in value):
        problems.append("contain one of the symbols !#$%&')(*+,./:;\"<=>?[@]^_`{|}~-")
    if problems:
        raise invalid("password", "must " + ", ".join(problems))
    return value


def hash_password(password: str) -> str:
    """scrypt with a random salt, stored as ``scrypt$<salt hex>$<hash hex>``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches the stored scrypt hash."""
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt_hex, digest_hex = stored.split("$")
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1)
    return hmac.compare_digest(digest.hex(), digest_hex)


def new_token() -> str:
    """A fresh API token: a recognisable prefix and 160 random bits."""
    return TOKEN_PREFIX + secrets.token_hex(20)


def hash_token(token: str) -> str:
    """Tokens are random, so one SHA-256 is enough to store them safely and look them up."""
    return hashlib.sha256(token.encode()).hexdigest()


def parse_authorization(header: str | None) -> str | None:
    """The token in ``Authorization: Token <t>`` (or ``Bearer <t>``, or a bare token)."""
    if not header:
        return None
    parts = header.strip().split()
    if len(parts) == 2 and parts[0].lower() in ("token", "bearer"):
        return parts[1]
    if len(parts) == 1:
        return parts[0]
    return None
