"""Nobody gets in without logging in, wrong passwords are refused and slowed down, and no form
changes anything without the session's CSRF token."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from supportbot.core import store
from supportbot.core.models import AuditEntry, Conversation, Feedback, TrainingJob
from tests.review.conftest import OTHER_PASSWORD, PASSWORD, csrf_of, login, page_csrf


@pytest.fixture
def db_url(sqlite_url):
    """Access control does not depend on the database: SQLite only."""
    return sqlite_url


def api_routes(routes):
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # newer FastAPI keeps included routers nested
            yield from api_routes(route.original_router.routes)


def routes(app) -> list[tuple[str, str]]:
    """Every (method, path) the app serves, path parameters filled with the id 1."""
    out = []
    for route in api_routes(app.routes):
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        out.extend((method, path) for method in sorted(route.methods - {"HEAD"}))
    return out


def db_state(sessions) -> tuple:
    with sessions() as s:
        conv = s.get(Conversation, 1)
        return (
            conv.status,
            conv.rating,
            conv.approved_for_training,
            s.scalar(select(func.count()).select_from(Feedback)),
            s.scalar(select(func.count()).select_from(TrainingJob)),
            s.scalar(select(func.count()).select_from(AuditEntry)),
        )


def test_no_page_and_no_api_without_login(app, client, seeded, sessions):
    before = db_state(sessions)
    served = routes(app)
    # The pages, the actions and the API are all in the list.
    assert {("GET", "/"), ("GET", "/overview"), ("POST", "/export"), ("GET", "/api/conversations")} <= set(
        served
    )
    assert len(served) >= 15
    for method, path in served:
        if path == "/login":
            continue
        if path == "/health":  # for probes: the database's state, nothing of its contents
            assert set(client.get(path).json()) == {"status", "database", "index"}
            continue
        if path == "/metrics":  # for Prometheus: request counts, nothing of the conversations
            scraped = client.get(path)
            assert scraped.status_code == 200 and "My order" not in scraped.text
            continue
        response = client.request(
            method, path, data={"status": "resolved", "rating": "down", "approved": "1"}
        )
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
            assert response.json() == {"error": "login required"}
        elif method == "GET":
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert response.status_code == 401, (method, path)
    assert db_state(sessions) == before  # nothing was changed on the way
    # The login page and the stylesheet are all there is to see.
    assert client.get("/login").status_code == 200
    assert client.get("/static/review.css").status_code == 200


def test_login_redirect_keeps_the_page_asked_for(client, seeded):
    response = client.get(f"/conversations/{seeded.order}?back=rating%3Ddown")
    assert (
        response.headers["location"]
        == f"/login?next=%2Fconversations%2F{seeded.order}%3Fback%3Drating%253Ddown"
    )
    landed = login(client, next_url=f"/conversations/{seeded.order}?back=rating%3Ddown")
    assert landed.status_code == 303
    assert landed.headers["location"] == f"/conversations/{seeded.order}?back=rating%3Ddown"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(client, target):
    assert login(client, next_url=target).headers["location"] == "/"


def test_session_cookie_attributes_and_logout(client):
    response = login(client)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("review_session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "max-age", "path"} <= attributes
    assert "samesite=lax" in cookie.lower() and "max-age=43200" in cookie.lower()
    assert "secure" not in attributes  # plain http here: a Secure cookie would never come back
    value = client.cookies["review_session"]
    assert client.get("/").status_code == 200

    out = client.post("/logout", data={"csrf_token": page_csrf(client)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    client.cookies.clear()
    client.cookies.set("review_session", value)  # a copy of the old cookie is worthless now
    assert client.get("/").status_code == 303
    assert client.get("/api/conversations").status_code == 401


def test_cookie_is_secure_over_https(app):
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as secure_client:
        response = login(secure_client)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("review_session="))
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}


def test_pages_carry_security_headers(admin):
    response = admin.get("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("name", "password"), [("alice", "wrong password"), ("alice", ""), ("mallory", PASSWORD)]
)
def test_wrong_password_or_unknown_name_is_refused(client, name, password):
    response = login(client, name=name, password=password)
    assert response.status_code == 401
    assert "Wrong name or password." in response.text
    assert "review_session" not in response.headers.get("set-cookie", "")
    assert client.get("/").status_code == 303


def test_repeated_failures_lock_the_name_even_for_the_right_password(client, clock):
    for _ in range(3):
        assert login(client, password="guess").status_code == 401
    locked = login(client, password=PASSWORD)  # the right password, but too soon
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.text and int(locked.headers["retry-after"]) >= 1
    assert client.get("/").status_code == 303

    assert login(client, name="bob", password=OTHER_PASSWORD).status_code == 303  # other names are not locked
    client.cookies.clear()

    clock.advance(1.5)
    assert login(client, password="guess").status_code == 401  # allowed again, and wrong again
    assert login(client, password=PASSWORD).status_code == 429  # now the wait doubled
    clock.advance(2.5)
    assert login(client, password=PASSWORD).status_code == 303
    client.cookies.clear()
    assert login(client, password="guess").status_code == 401  # a success forgets the failures


def test_many_names_from_one_address_lock_the_address(client, clock):
    for i in range(10):
        assert login(client, name=f"guess{i}", password="guess").status_code == 401
    assert login(client, name="alice", password=PASSWORD).status_code == 429
    clock.advance(1.5)
    assert login(client, name="alice", password=PASSWORD).status_code == 303


def test_login_form_needs_its_own_csrf_token(client):
    client.get("/login")
    response = client.post("/login", data={"name": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/").status_code == 303
    token = csrf_of(client.get("/login").text)
    client.cookies.delete("review_login")  # a token without its cookie: a forged cross-site post
    assert (
        client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token}).status_code
        == 403
    )


def post_routes(app) -> list[str]:
    return [path for method, path in routes(app) if method == "POST" and path != "/login"]


def test_every_form_post_without_the_csrf_token_is_refused(app, admin, seeded, sessions):
    before = db_state(sessions)
    paths = post_routes(app)
    assert {"/logout", "/jobs/retrain", "/export", "/conversations/1/approve"} <= set(paths)
    for path in paths:
        fields = {
            "status": "resolved",
            "rating": "down",
            "approved": "1",
            "comment": "x",
            "corrected_answer": "y",
        }
        assert admin.post(path, data=fields).status_code == 403, path
        assert admin.post(path, data={**fields, "csrf_token": "not-the-token"}).status_code == 403, path
    assert db_state(sessions) == before
    assert admin.get("/").status_code == 200  # still logged in: /logout refused too


def test_the_csrf_token_belongs_to_its_session(app, admin, seeded, sessions):
    with TestClient(app, follow_redirects=False) as other:
        assert login(other, name="bob", password=OTHER_PASSWORD).status_code == 303
        bobs_token = page_csrf(other)
    response = admin.post(
        f"/conversations/{seeded.order}/approve", data={"approved": "1", "csrf_token": bobs_token}
    )
    assert response.status_code == 403
    # With its own token (as a form field or as a header for scripts) the same post goes through.
    token = page_csrf(admin)
    assert (
        admin.post(
            f"/conversations/{seeded.order}/approve", data={"approved": "1", "csrf_token": token}
        ).status_code
        == 303
    )
    assert (
        admin.post(
            f"/conversations/{seeded.password}/approve",
            data={"approved": "1"},
            headers={"X-CSRF-Token": token},
        ).status_code
        == 303
    )
    with sessions() as s:
        assert [e.actor for e in store.audit_entries(s) if e.action == "review.approve"] == ["alice", "alice"]
