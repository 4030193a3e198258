"""Admin passwords: PBKDF2-SHA256 hashes in the settings, checked in constant time.

A hash reads ``pbkdf2_sha256$<iterations>$<salt>$<hash>`` (salt and hash in unpadded URL-safe
base64), so the work factor travels with each hash and can be raised without breaking old ones.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from supportbot.core.errors import ConfigError

ALGORITHM = "pbkdf2_sha256"
# OWASP's 2023 figure for PBKDF2-HMAC-SHA256; about half a second per check on a small machine.
DEFAULT_ITERATIONS = 600_000
SALT_BYTES = 16
KEY_BYTES = 32
ADMINS_VARIABLE = "SUPPORTBOT_REVIEW_ADMINS"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None) -> str:
    if not password:
        raise ValueError("the password is empty")
    if iterations < 1:
        raise ValueError("iterations must be positive")
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    key = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, KEY_BYTES)
    return f"{ALGORITHM}${iterations}${_b64(salt)}${_b64(key)}"


@dataclass(frozen=True)
class ParsedHash:
    iterations: int
    salt: bytes
    key: bytes


def parse_hash(encoded: str) -> ParsedHash:
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM:
        raise ValueError(f"not a {ALGORITHM}$<iterations>$<salt>$<hash> string")
    try:
        iterations = int(parts[1])
        salt, key = _unb64(parts[2]), _unb64(parts[3])
    except (ValueError, binascii.Error):
        raise ValueError("malformed iterations, salt or hash") from None
    if iterations < 1 or not salt or not key:
        raise ValueError("malformed iterations, salt or hash")
    return ParsedHash(iterations, salt, key)


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches; a malformed hash never matches."""
    try:
        parsed = parse_hash(encoded)
    except ValueError:
        return False
    key = hashlib.pbkdf2_hmac(
        "sha256", password.encode("utf-8"), parsed.salt, parsed.iterations, len(parsed.key)
    )
    return hmac.compare_digest(key, parsed.key)


class AdminAccounts:
    """The admins from ``SUPPORTBOT_REVIEW_ADMINS`` (``name:hash`` entries)."""

    def __init__(self, hashes: dict[str, str]) -> None:
        self._hashes = dict(hashes)
        # Unknown names are checked against a hash of the same cost, so the response time
        # does not tell which names exist.
        iterations = max(
            (parse_hash(h).iterations for h in self._hashes.values()), default=DEFAULT_ITERATIONS
        )
        self._decoy = hash_password(secrets.token_urlsafe(16), iterations=iterations)

    @classmethod
    def from_entries(cls, entries: list[str]) -> AdminAccounts:
        hashes: dict[str, str] = {}
        for entry in entries:
            name, sep, encoded = entry.partition(":")
            name = name.strip()
            if not sep or not name:
                raise ConfigError(f"{ADMINS_VARIABLE}: {entry[:20]!r}… is not name:hash")
            try:
                parse_hash(encoded.strip())
            except ValueError as exc:
                raise ConfigError(
                    f"{ADMINS_VARIABLE}: the hash of {name!r} is {exc} (make one with `supportbot review hash-password`)"
                ) from None
            if name in hashes:
                raise ConfigError(f"{ADMINS_VARIABLE}: {name!r} is listed twice")
            hashes[name] = encoded.strip()
        return cls(hashes)

    def __len__(self) -> int:
        return len(self._hashes)

    @property
    def names(self) -> list[str]:
        return sorted(self._hashes)

    def fingerprint(self, name: str) -> str | None:
        """A short digest of the admin's stored hash: it changes when the password does."""
        import hashlib

        encoded = self._hashes.get(name)
        return hashlib.sha256(encoded.encode()).hexdigest()[:16] if encoded else None

    def check(self, name: str, password: str) -> bool:
        encoded = self._hashes.get(name)
        if encoded is None:
            verify_password(password, self._decoy)
            return False
        return verify_password(password, encoded)
