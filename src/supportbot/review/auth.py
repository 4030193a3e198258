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

from supportbot.review.passwords import AdminAccounts
from supportbot.review.signing import Signer
from supportbot.review.throttle import Throttle

SESSION_COOKIE = "review_session"
LOGIN_COOKIE = "review_login"
DEVICE_COOKIE = "review_device"  # "this browser has logged in as X before" (OWASP device cookie)
DEVICE_MAX_AGE_S = 90 * 24 * 3600
# The longest a name's account-wide throttle makes anyone wait (attackers guessing from many
# addresses get ~30 guesses an hour; an admin on a new browser waits this long at most).
ACCOUNT_MAX_WAIT_S = 120.0
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
        # Who is throttled for what:
        # - a name from one address: a few free tries, then doubling waits (up to 5 minutes);
        # - one address, whatever the names: more, since one office shares an address;
        # - a name from anywhere: many more, and the wait never exceeds 2 minutes, so failing an
        #   admin's logins from elsewhere cannot keep the admin out (and from their own browser
        #   they are not slowed by it at all: a device cookie from an earlier login skips it;
        #   it names the password it was earned with, so a new password revokes it);
        # - a browser with a device cookie for that name: a few free tries of its own.
        self.pair_throttle = Throttle(free_attempts=3, clock=clock)
        self.address_throttle = Throttle(free_attempts=10, clock=clock)
        self.account_throttle = Throttle(free_attempts=20, max_delay_s=ACCOUNT_MAX_WAIT_S, clock=clock)
        self.device_throttle = Throttle(free_attempts=3, clock=clock)
        self._attempt_lock = threading.Lock()
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

    # --- device cookies ----------------------------------------------------------------------
    def new_device_cookie(self, user: str) -> str:
        payload = {
            "u": user,
            "d": secrets.token_urlsafe(12),
            "e": int(self._clock()) + DEVICE_MAX_AGE_S,
            "h": self.admins.fingerprint(user),
        }
        return self._signer.sign(payload, purpose="device")

    def _device_of(self, cookie: str | None, user: str) -> str | None:
        """The device id when ``cookie`` says this browser logged in as ``user`` before."""
        payload = self._signer.unsign(cookie, purpose="device")
        if payload is None or str(payload.get("u", "")) != user:
            return None
        if payload.get("h") != self.admins.fingerprint(user):
            return None  # the password changed since (or the admin is gone): not a known device
        try:
            if int(payload.get("e", 0)) <= self._clock():
                return None
        except (TypeError, ValueError):
            return None
        return str(payload.get("d", ""))

    # --- passwords, with throttling ----------------------------------------------------------
    def _throttles(self, *, user: str, address: str, device: str | None) -> list[tuple[Throttle, str]]:
        name = user.lower()
        if device:
            return [(self.device_throttle, f"device:{device}")]
        return [
            (self.pair_throttle, f"pair:{name}|{address}"),
            (self.address_throttle, f"addr:{address}"),
            (self.account_throttle, f"user:{name}"),
        ]

    def attempt_login(
        self, *, user: str, password: str, address: str, device_cookie: str | None = None
    ) -> tuple[bool, float]:
        """(ok, 0) after checking the password, or (False, seconds to wait) without checking it.

        The throttle check and the count of the attempt are one step under a lock: the attempt is
        counted as a failure before the (slow) password check and forgotten if it succeeds, so
        30 guesses sent at once get the free attempts' worth of real checks, not 30.
        """
        throttles = self._throttles(user=user, address=address, device=self._device_of(device_cookie, user))
        with self._attempt_lock:
            wait = max(t.wait_s([key]) for t, key in throttles)
            if wait > 0:
                return False, wait
            for t, key in throttles:
                t.failed([key])
        ok = bool(user) and self.admins.check(user, password)
        if ok:
            for t, key in throttles:
                t.succeeded([key])
        return ok, 0.0
