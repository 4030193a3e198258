"""Sessions and CSRF for the review app.

The session lives in a signed cookie (user, a per-session CSRF token, an id, the expiry); the
server keeps only the ids of sessions that logged out, so a copied cookie dies with the logout.
The login form has a CSRF token too, carried by a short-lived signed cookie of its own.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from review.passwords import AdminAccounts
from review.signing import Signer
from review.throttle import Throttle

SESSION_COOKIE = "review_session"
LOGIN_COOKIE = "review_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_MAX_AGE_S = 12 * 3600  # a working day; then log in again
LOGIN_FORM_MAX_AGE_S = 3600


@dataclass(frozen=True)
class SessionData:
    user: str
    csrf: str
    sid: str
    expires: int


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


class Auth:
    def __init__(
        self,
        *,
        admins: AdminAccounts,
        secret: bytes,
        max_age_s: int = SESSION_MAX_AGE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.admins = admins
        self.max_age_s = max_age_s
        self._signer = Signer(secret)
        self._clock = clock
        # By account name: a few free tries. By address: more, since one office shares an address.
        self.user_throttle = Throttle(free_attempts=3, clock=clock)
        self.address_throttle = Throttle(free_attempts=10, clock=clock)
        self._revoked: dict[str, int] = {}
        self._lock = threading.Lock()

    # --- sessions ----------------------------------------------------------------------------
    def new_session(self, user: str) -> tuple[str, SessionData]:
        data = SessionData(
            user=user,
            csrf=secrets.token_urlsafe(32),
            sid=secrets.token_urlsafe(16),
            expires=int(self._clock()) + self.max_age_s,
        )
        payload = {"u": data.user, "c": data.csrf, "s": data.sid, "e": data.expires}
        return self._signer.sign(payload, purpose="session"), data

    def read_session(self, value: str | None) -> SessionData | None:
        payload = self._signer.unsign(value, purpose="session")
        if payload is None:
            return None
        try:
            data = SessionData(
                user=str(payload["u"]),
                csrf=str(payload["c"]),
                sid=str(payload["s"]),
                expires=int(payload["e"]),
            )
        except (KeyError, TypeError, ValueError):
            return None
        if data.expires <= self._clock():
            return None
        with self._lock:
            if data.sid in self._revoked:
                return None
        # An admin removed from the settings loses access at once, whatever cookie they hold.
        if data.user not in self.admins.names:
            return None
        return data

    def revoke(self, data: SessionData) -> None:
        now = self._clock()
        with self._lock:
            self._revoked[data.sid] = data.expires
            for sid in [s for s, expires in self._revoked.items() if expires <= now]:
                del self._revoked[sid]

    # --- the login form's CSRF token ---------------------------------------------------------
    def new_login_token(self) -> tuple[str, str]:
        """(cookie value, form token) for one login form."""
        token = secrets.token_urlsafe(32)
        cookie = self._signer.sign(
            {"t": token, "e": int(self._clock()) + LOGIN_FORM_MAX_AGE_S}, purpose="login"
        )
        return cookie, token

    def check_login_token(self, cookie: str | None, token: str | None) -> bool:
        payload = self._signer.unsign(cookie, purpose="login")
        if payload is None or not isinstance(payload.get("t"), str):
            return False
        if int(payload.get("e", 0)) <= self._clock():
            return False
        return same_token(token, payload["t"])

    # --- passwords, with throttling ----------------------------------------------------------
    def login_wait_s(self, *, user: str, address: str) -> float:
        return max(
            self.user_throttle.wait_s([f"user:{user.lower()}"]),
            self.address_throttle.wait_s([f"addr:{address}"]),
        )

    def attempt_login(self, *, user: str, password: str, address: str) -> bool:
        """Check a password (the caller has checked ``login_wait_s`` first) and count the outcome."""
        ok = self.admins.check(user, password)
        if ok:
            self.user_throttle.succeeded([f"user:{user.lower()}"])
        else:
            self.user_throttle.failed([f"user:{user.lower()}"])
            self.address_throttle.failed([f"addr:{address}"])
        return ok
