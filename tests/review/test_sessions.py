"""Signed cookies, sessions, the login throttle and durations: the parts under the web app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from supportbot.core.errors import InvalidInput
from supportbot.review.auth import Auth
from supportbot.review.durations import end_of_day, parse_since
from supportbot.review.passwords import AdminAccounts, hash_password
from supportbot.review.signing import Signer
from supportbot.review.throttle import Throttle
from tests.review.conftest import FakeClock


def test_signed_value_round_trips_and_rejects_any_change():
    signer = Signer(b"k" * 32)
    value = signer.sign({"u": "alice", "n": 1}, purpose="session")
    assert signer.unsign(value, purpose="session") == {"u": "alice", "n": 1}
    body, sig = value.split(".")
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    forged_body = Signer(b"k" * 32).sign({"u": "mallory", "n": 1}, purpose="session").split(".")[0]
    for bad in [f"{body}.{flipped}", f"{forged_body}.{sig}", value + "x", "", "a.b.c", None]:
        assert signer.unsign(bad, purpose="session") is None
    assert signer.unsign(value, purpose="login") is None  # made for another cookie
    assert Signer(b"j" * 32).unsign(value, purpose="session") is None  # another secret


@pytest.fixture
def auth():
    clock = FakeClock()
    admins = AdminAccounts.from_entries([f"alice:{hash_password('alice password', iterations=1000)}"])
    return Auth(admins=admins, secret=b"x" * 32, max_age_s=3600, clock=clock), clock


def test_session_expires_and_dies_on_logout(auth):
    auth, clock = auth
    cookie, data = auth.new_session("alice")
    assert auth.read_session(cookie) == data
    clock.advance(3599)
    assert auth.read_session(cookie) == data
    clock.advance(2)
    assert auth.read_session(cookie) is None

    cookie, data = auth.new_session("alice")
    other_cookie, _ = auth.new_session("alice")
    auth.revoke(data)
    assert auth.read_session(cookie) is None
    assert auth.read_session(other_cookie) is not None  # another browser's session stays


def test_session_of_a_removed_admin_is_refused(auth):
    auth, _ = auth
    cookie, _ = Auth(
        admins=AdminAccounts.from_entries([f"zed:{hash_password('zed password', iterations=1000)}"]),
        secret=b"x" * 32,
    ).new_session("zed")
    assert auth.read_session(cookie) is None


def test_login_form_token(auth):
    auth, clock = auth
    cookie, token = auth.new_login_token()
    assert auth.check_login_token(cookie, token)
    assert not auth.check_login_token(cookie, token + "x")
    assert not auth.check_login_token(cookie, None)
    assert not auth.check_login_token(None, token)
    clock.advance(3601)
    assert not auth.check_login_token(cookie, token)


def test_throttle_doubles_the_wait_after_the_free_attempts():
    clock = FakeClock()
    throttle = Throttle(free_attempts=3, base_delay_s=1, max_delay_s=8, forget_after_s=900, clock=clock)
    keys = ["user:alice"]
    waits = []
    for _ in range(7):
        throttle.failed(keys)
        waits.append(throttle.wait_s(keys))
    assert waits == [0, 0, 1, 2, 4, 8, 8]  # capped at max_delay_s
    assert throttle.wait_s(["user:bob"]) == 0  # other keys are not affected
    clock.advance(8)
    assert throttle.wait_s(keys) == 0
    throttle.failed(keys)
    assert throttle.wait_s(keys) == 8
    throttle.succeeded(keys)
    assert throttle.wait_s(keys) == 0


def test_throttle_forgets_old_failures():
    clock = FakeClock()
    throttle = Throttle(free_attempts=1, base_delay_s=1, forget_after_s=60, clock=clock)
    throttle.failed(["k"])
    throttle.failed(["k"])
    assert throttle.wait_s(["k"]) == 2
    clock.advance(61)
    assert throttle.wait_s(["k"]) == 0
    throttle.failed(["k"])
    assert throttle.wait_s(["k"]) == 1  # counting starts over


NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", NOW - timedelta(days=7)),
        ("24h", NOW - timedelta(hours=24)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2w", NOW - timedelta(weeks=2)),
        (" 90s ", NOW - timedelta(seconds=90)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T09:30", datetime(2026, 11, 1, 9, 30, tzinfo=UTC)),
        ("2026-11-01T09:30:00+01:00", datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),
        ("2026-11-01T09:30:00Z", datetime(2026, 11, 1, 9, 30, tzinfo=UTC)),
    ],
)
def test_since(text, expected):
    assert parse_since(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["7x", "yesterday", "2026-13-01", "-7d", ""])
def test_since_rejects_nonsense(text):
    with pytest.raises(InvalidInput):
        parse_since(text, now=NOW)


def test_until_date_includes_the_whole_day():
    assert end_of_day("2026-11-01") == datetime(2026, 11, 2, tzinfo=UTC)
    assert end_of_day("2026-11-01T10:00") == datetime(2026, 11, 1, 10, tzinfo=UTC)
