"""Signed cookie values: a JSON payload and an HMAC-SHA256 over it, nothing to store server-side.

Each use signs with its own purpose, so a value made for one cookie is worthless in another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the signing secret is too short (16 bytes at least)")
        self._secret = secret

    def _mac(self, purpose: str, body: str) -> bytes:
        return hmac.new(self._secret, f"{purpose}.{body}".encode("ascii"), hashlib.sha256).digest()

    def sign(self, payload: dict[str, Any], *, purpose: str) -> str:
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{body}.{_b64(self._mac(purpose, body))}"

    def unsign(self, value: str | None, *, purpose: str) -> dict[str, Any] | None:
        """The payload, or None when the value is missing, malformed or not signed by us."""
        if not value or value.count(".") != 1:
            return None
        body, signature = value.split(".")
        try:
            given = _unb64(signature)
        except (ValueError, binascii.Error):
            return None
        if not hmac.compare_digest(given, self._mac(purpose, body)):
            return None
        try:
            payload = json.loads(_unb64(body))
        except (ValueError, binascii.Error):
            return None
        return payload if isinstance(payload, dict) else None
