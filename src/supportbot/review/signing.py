"""Signed cookie values (itsdangerous): a JSON payload and an HMAC-SHA256 over it, nothing stored server-side.

Each use signs with its own purpose (the salt), so a value made for one cookie is worthless in
another. Expiry is a field of the payload, checked by the caller against its own (injectable)
clock rather than itsdangerous' timestamps, which read the wall clock.
"""

from __future__ import annotations

import hashlib
from typing import Any

from itsdangerous import BadData, URLSafeSerializer


class Signer:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the signing secret is too short (16 bytes at least)")
        self._secret = secret
        self._serializers: dict[str, URLSafeSerializer] = {}

    def _serializer(self, purpose: str) -> URLSafeSerializer:
        serializer = self._serializers.get(purpose)
        if serializer is None:
            serializer = URLSafeSerializer(
                self._secret, salt=purpose, signer_kwargs={"digest_method": hashlib.sha256}
            )
            self._serializers[purpose] = serializer
        return serializer

    def sign(self, payload: dict[str, Any], *, purpose: str) -> str:
        return self._serializer(purpose).dumps(payload)

    def unsign(self, value: str | None, *, purpose: str) -> dict[str, Any] | None:
        """The payload, or None when the value is missing, malformed or not signed by us."""
        if not value:
            return None
        try:
            payload = self._serializer(purpose).loads(value)
        except (BadData, UnicodeError):
            return None
        return payload if isinstance(payload, dict) else None
