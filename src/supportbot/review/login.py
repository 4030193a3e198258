"""Logging in and out: the login form (with its own CSRF token), the throttled password check,
the session and device cookies, and the audit entries of both."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.review.auth import (
    DEVICE_COOKIE,
    DEVICE_MAX_AGE_S,
    LOGIN_COOKIE,
    LOGIN_FORM_MAX_AGE_S,
    SESSION_COOKIE,
    Auth,
)
from supportbot.review.rendering import render
from supportbot.review.web import AppAuth, Ctx, Metrics

log = logging.getLogger(__name__)
router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(
    request: Request,
    auth: Auth,
    *,
    error: str | None,
    status_code: int,
    next_url: str,
    name: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    cookie, token = auth.new_login_token()
    response = render(
        request,
        "login.html",
        {"error": error, "login_token": token, "next_url": next_url, "name": name},
        status_code=status_code,
        headers=headers,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        cookie,
        max_age=LOGIN_FORM_MAX_AGE_S,
        httponly=True,
        samesite="strict",
        secure=_cookie_secure(request),
    )
    return response


@router.get("/login")
def login_form(request: Request, auth: AppAuth, next: str = "/") -> Response:
    if request.state.session is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, auth, error=None, status_code=200, next_url=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    ctx: Ctx,
    auth: AppAuth,
    metrics: Metrics,
    name: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    next_url = _safe_next(next)
    failures = metrics.failed_logins
    if not auth.check_login_token(request.cookies.get(LOGIN_COOKIE), csrf_token):
        failures.labels("form").inc()
        return _login_page(
            request,
            auth,
            error="The login form expired or was not sent from this site. Please try again.",
            status_code=403,
            next_url=next_url,
            name=name,
        )
    # The client's address; behind a trusted proxy (SUPPORTBOT_TRUSTED_PROXIES) the one it saw.
    address = request.client.host if request.client else "unknown"
    name = name.strip()
    ok, wait = auth.attempt_login(
        user=name, password=password, address=address, device_cookie=request.cookies.get(DEVICE_COOKIE)
    )
    if wait > 0:
        seconds = int(wait) + 1
        log.warning("review: login for %r from %s refused, locked for %d s", name, address, seconds)
        failures.labels("throttled").inc()
        return _login_page(
            request,
            auth,
            error=f"Too many failed attempts. Try again in {seconds} s.",
            status_code=429,
            next_url=next_url,
            name=name,
            headers={"Retry-After": str(seconds)},
        )
    if not ok:
        log.warning("review: failed login for %r from %s", name, address)
        failures.labels("password").inc()
        return _login_page(
            request, auth, error="Wrong name or password.", status_code=401, next_url=next_url, name=name
        )
    with transaction(ctx.sessions) as s:
        store.audit(s, actor=name, action="review.login", detail={"address": address})
    return _logged_in(request, auth, name=name, next_url=next_url)


def _logged_in(request: Request, auth: Auth, *, name: str, next_url: str) -> Response:
    """On to the page asked for, with a new session cookie and this browser's device cookie."""
    cookie, _session = auth.new_session(name)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=auth.max_age_s,
        httponly=True,
        samesite="lax",
        secure=_cookie_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE)
    response.set_cookie(
        DEVICE_COOKIE,
        auth.new_device_cookie(name),
        max_age=DEVICE_MAX_AGE_S,
        httponly=True,
        samesite="strict",
        secure=_cookie_secure(request),
        path="/login",
    )
    return response


@router.post("/logout")
def logout(request: Request, ctx: Ctx, auth: AppAuth) -> Response:
    session = request.state.session
    auth.revoke(session)
    with transaction(ctx.sessions) as s:
        store.audit(s, actor=session.user, action="review.logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_cookie_secure(request)
    )
    return response
