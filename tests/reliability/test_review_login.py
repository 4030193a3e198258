"""Audit findings 4 and 7 on the review app: the login throttle, forwarded addresses, row ids.

Over real HTTP (uvicorn on a thread), so parallel logins really run in parallel.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from supportbot.core.webserver import BackgroundServer
from tests.review.conftest import PASSWORD, FakeClock, csrf_of

REAL_ITERATIONS = 200_000  # a password check that takes as long as a real one (tens of ms)


@pytest.fixture
def review(tmp_path, sqlite_url):
    """The review app with one admin (a slow, real hash) on a real server; yields a factory."""
    from supportbot.core.context import AppContext
    from supportbot.core.db import make_engine, session_factory, upgrade
    from supportbot.core.settings import load_settings
    from supportbot.review.app import create_app
    from supportbot.review.passwords import hash_password

    engine = make_engine(sqlite_url)
    upgrade(engine)
    entry = f"alice:{hash_password(PASSWORD, iterations=REAL_ITERATIONS)}"
    servers = []
    clock = FakeClock()

    def start(**settings_overrides):
        settings = load_settings(
            home=tmp_path / "home",
            database_url=sqlite_url,
            review_admins=[entry],
            session_secret="s" * 40,
            **settings_overrides,
        )
        ctx = AppContext(settings=settings, engine=engine, sessions=session_factory(engine))
        server = BackgroundServer(create_app(ctx, clock=clock), name="review").start()
        servers.append(server)
        return server.url

    start.clock = clock
    yield start
    for server in servers:
        server.stop()
    engine.dispose()


def attempt(
    url: str, password: str, headers: dict[str, str] | None = None, client: httpx.Client | None = None
):
    own = client is None
    client = client or httpx.Client(base_url=url, follow_redirects=False, timeout=60)
    try:
        form = client.get("/login", headers=headers)
        return client.post(
            "/login",
            data={"name": "alice", "password": password, "csrf_token": csrf_of(form.text), "next": "/"},
            headers=headers,
        ).status_code
    finally:
        if own:
            client.close()


def test_thirty_parallel_wrong_passwords_get_three_password_checks(review):
    """Audit: 22 of 30 parallel guesses were checked (the throttle's check and count were apart)."""
    url = review()
    with ThreadPoolExecutor(max_workers=30) as pool:
        codes = Counter(pool.map(lambda i: attempt(url, f"guess {i}"), range(30)))
    # 401: the password was checked (and wrong); 429: refused without looking at it.
    assert codes == {401: 3, 429: 27}, codes


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(review):
    """Audit: rotating X-Forwarded-For from any local client bypassed the per-address throttle."""
    url = review()
    codes = [attempt(url, "guess", headers={"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(6)]
    assert codes == [401, 401, 401, 429, 429, 429]  # one client, whatever it claims to be

    behind_proxy = review(trusted_proxies=["127.0.0.1"])
    codes = [attempt(behind_proxy, "guess", headers={"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(6)]
    assert codes == [401] * 6  # the proxy vouches for six different clients


@pytest.mark.slow
def test_failing_an_admins_logins_elsewhere_does_not_lock_the_admin_out(review):
    """Audit: anyone could lock an admin out by failing their logins."""
    url = review(trusted_proxies=["127.0.0.1"])
    home = {"X-Forwarded-For": "192.0.2.10"}
    with httpx.Client(base_url=url, follow_redirects=False, timeout=60) as admin:
        assert attempt(url, PASSWORD, headers=home, client=admin) == 303  # gets a device cookie
        admin.post("/logout", headers={"x-csrf-token": csrf_of(admin.get("/").text), **home})
        # An attacker fails alice's password from forty addresses, past every account limit...
        for i in range(40):
            attempt(url, "guess", headers={"X-Forwarded-For": f"203.0.113.{i}"})
        assert attempt(url, "guess", headers={"X-Forwarded-For": "203.0.113.200"}) == 429
        # ...and alice, from her own browser, gets in at once.
        assert attempt(url, PASSWORD, headers=home, client=admin) == 303
    # From a browser she never used the account-wide limit applies, but it is a wait, not a
    # lockout: two minutes at most, however long the attack goes on.
    with httpx.Client(base_url=url, follow_redirects=False, timeout=60) as fresh:
        form = fresh.get("/login", headers=home)
        data = {"name": "alice", "password": PASSWORD, "csrf_token": csrf_of(form.text), "next": "/"}
        refused = fresh.post("/login", data=data, headers=home)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) <= 121
        review.clock.advance(121)
        data["csrf_token"] = csrf_of(fresh.get("/login", headers=home).text)
        assert fresh.post("/login", data=data, headers=home).status_code == 303


@pytest.mark.parametrize("row_id", [2**63, 2**64 + 5, 0, -1])
def test_ids_that_cannot_be_rows_are_404(review, row_id):
    """Audit: an id of 2^63 or more in a review URL gave a 500."""
    url = review()
    with httpx.Client(base_url=url, follow_redirects=False, timeout=60) as client:
        assert attempt(url, PASSWORD, client=client) == 303
        assert client.get(f"/conversations/{row_id}").status_code == 404
        assert client.get(f"/api/conversations/{row_id}").status_code == 404
        token = csrf_of(client.get("/").text)
        rate = client.post(
            f"/conversations/{row_id}/messages/{row_id}/rate", data={"rating": "up", "csrf_token": token}
        )
        assert rate.status_code == 404


def test_a_new_password_revokes_the_device_cookies_of_the_old_one():
    from supportbot.review.auth import Auth
    from supportbot.review.passwords import AdminAccounts, hash_password

    def auth_for(password: str) -> Auth:
        admins = AdminAccounts.from_entries([f"alice:{hash_password(password, iterations=1000)}"])
        return Auth(admins=admins, secret=b"s" * 40)

    before = auth_for("old password here")
    cookie = before.new_device_cookie("alice")
    assert before._device_of(cookie, "alice") is not None
    assert before._device_of(cookie, "bob") is None
    assert auth_for("a new password now")._device_of(cookie, "alice") is None
