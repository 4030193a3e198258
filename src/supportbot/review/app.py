"""The review web app: server-rendered pages behind a login, and a small JSON API.

Access is denied by default: a middleware lets only the login page and the stylesheet through
without a session (pages redirect to the login, everything else answers 401), and an app-wide
dependency checks the CSRF token on every state-changing request. Routes live in ``login``,
``listing``, ``conversation_page``, ``overview_page``, ``channels_page``, ``analytics_page`` and ``api``;
this module wires them to one ``AppContext``. ``/health`` and ``/metrics`` (Prometheus) need no login,
like the model server's, and show nothing of the conversations.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from supportbot.core.asgi_metrics import MeasureRequests
from supportbot.core.context import AppContext
from supportbot.core.errors import ConfigError, Conflict, InvalidInput, NotFound, SupportbotError
from supportbot.review.auth import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, Auth, same_token
from supportbot.review.metrics import ReviewMetrics, record_request
from supportbot.review.passwords import AdminAccounts
from supportbot.review.rendering import make_templates, render

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PUBLIC_PATHS = {"/login", "/favicon.ico", "/health", "/metrics"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SECURITY_HEADERS = {
    # Everything the pages use comes from this app; no inline script is ever needed.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _session_secret(ctx: AppContext) -> tuple[bytes, bool]:
    """The configured secret, or a random one for this process (sessions then end with it)."""
    configured = ctx.settings.secret("session_secret")
    if configured is None:
        return secrets.token_bytes(32), True
    if len(configured) < 16:
        raise ConfigError("SUPPORTBOT_SESSION_SECRET: too short, use 32 random characters or more")
    return configured.encode("utf-8"), False


def create_app(
    ctx: AppContext,
    *,
    clock: Callable[[], float] = time.time,
    page_size: int = 50,
) -> FastAPI:
    """The review app over ``ctx``'s database, admins and session secret (``clock``: for tests)."""
    from supportbot.review import (
        analytics_page,
        api,
        channels_page,
        conversation_page,
        listing,
        login,
        overview_page,
    )

    admins = AdminAccounts.from_entries(ctx.settings.review_admins)
    secret, ephemeral = _session_secret(ctx)
    auth = Auth(admins=admins, secret=secret, clock=clock)

    app = FastAPI(
        title="supportbot review",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(check_csrf)],
    )
    app.state.ctx = ctx
    app.state.auth = auth
    app.state.templates = make_templates(HERE / "templates")
    app.state.page_size = page_size
    app.state.ephemeral_secret = ephemeral
    app.state.metrics = metrics = ReviewMetrics()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/health")
    def health() -> JSONResponse:
        """200 while the database answers, else 503 (for probes: no login needed, nothing shown)."""
        from supportbot.core.db import database_status

        ok, database = database_status(ctx.sessions)
        body = {"status": "ok" if ok else "degraded", "database": database, "index": "not used"}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics")
    def prometheus_metrics() -> Response:
        """Requests by route and status, their latency, failed logins (Prometheus text format)."""
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    for module in (login, listing, conversation_page, overview_page, channels_page, api):
        app.include_router(module.router)
    app.include_router(analytics_page.router)
    app.include_router(analytics_page.api_router)

    app.middleware("http")(require_login)
    _handle_errors(app)

    if ctx.settings.trusted_proxies:
        # X-Forwarded-For names the client only when a proxy we trust set it; from anyone else
        # it would let a client pick its own address (and so its own login throttle).
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(ctx.settings.trusted_proxies))
    # Outermost: every response is counted, also those of the login gate and the error handlers.
    app.add_middleware(MeasureRequests, record=record_request(metrics))
    metrics.know_routes(app.routes)
    return app


async def require_login(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Only the public paths without a session; the security headers on every response."""
    request.state.session = request.app.state.auth.read_session(request.cookies.get(SESSION_COOKIE))
    path = request.url.path
    public = path in PUBLIC_PATHS or path.startswith("/static/")
    if request.state.session is None and not public:
        response = _login_required(request)
    else:
        response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _handle_errors(app: FastAPI) -> None:
    """Errors as the error page (or JSON under /api/), with the status that says what went wrong."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # An id in the path that cannot be a row (0, negative, past 2^63) names nothing: 404.
        in_path = any(err.get("loc", ("",))[0] == "path" for err in exc.errors())
        return error_response(request, 404 if in_path else 400, "Not found" if in_path else "Bad request")

    @app.exception_handler(SupportbotError)
    async def domain_error(request: Request, exc: SupportbotError) -> Response:
        status = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 400
        if not isinstance(exc, NotFound | Conflict | InvalidInput):
            log.warning("review: %s", exc)
        return error_response(request, status, str(exc))


def _login_required(request: Request) -> Response:
    if request.method in ("GET", "HEAD") and not is_api(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    if is_api(request):
        return JSONResponse({"error": "login required"}, status_code=401)
    return HTMLResponse(
        '<!doctype html><title>Login required</title><p>Your session has ended. <a href="/login">Log in</a> again.</p>',
        status_code=401,
    )


def error_response(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the session's CSRF token (form field or header)."""
    if request.method in SAFE_METHODS or request.url.path in PUBLIC_PATHS:
        return  # the login form checks a token of its own
    session = request.state.session
    given: object = request.headers.get(CSRF_HEADER)
    if given is None and "form" in request.headers.get("content-type", ""):
        given = (await request.form()).get(CSRF_FIELD)  # a file upload in its place is no token
    if session is None or not same_token(given if isinstance(given, str) else None, session.csrf):
        raise StarletteHTTPException(403, "The form's security token is missing or wrong; reload the page.")
