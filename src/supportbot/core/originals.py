"""Customers' original texts, kept only when a team opts in, and then only encrypted.

Everything the product stores, logs, indexes, exports, trains on or sends to a model is the
redacted text. A team that must act on what customers typed (a card number to refund, a phone to
call back) can set ``SUPPORTBOT_ORIGINALS_KEY`` (a Fernet key): the original of each message that
had PII in it is then stored beside the redacted one, encrypted with that key (AES-128-CBC with
an HMAC, from the maintained ``cryptography`` package), and decrypted only for an admin who asks
for one message (``supportbot history original ID``, audited). Without the key nothing is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from supportbot.core.errors import ConfigError
from supportbot.core.pii import redact


@dataclass(frozen=True)
class Sealer:
    key: bytes

    @classmethod
    def from_settings(cls, settings: object) -> Sealer | None:
        secret = getattr(settings, "originals_key", None)
        if secret is None:
            return None
        return cls(secret.get_secret_value().strip().encode())

    def seal(self, text: str) -> str:
        from cryptography.fernet import Fernet

        return Fernet(self.key).encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        from cryptography.fernet import Fernet, InvalidToken

        try:
            return Fernet(self.key).decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise ConfigError(
                "SUPPORTBOT_ORIGINALS_KEY: this key did not encrypt that message (was the key changed?)"
            ) from None


@dataclass(frozen=True)
class Clean:
    """A text as it may be stored: redacted, plus the sealed original when there was PII in it."""

    text: str
    sealed_original: str | None = None


def clean(text: str, sealer: Sealer | None = None) -> Clean:
    result = redact(text)
    if result.total and sealer is not None:
        return Clean(result.text, sealer.seal(text))
    return Clean(result.text)
