"""The HTTP layer: routes are glue between JSON and the serving classes.

``create_app(engine, api_key=..., admin_token=...)`` gives a FastAPI app with the OpenAI routes
(``/v1/models``, ``/v1/completions``, ``/v1/chat/completions``), ``/health``, ``/metrics`` and
the admin routes for adapters. Every error leaves in OpenAI's shape; bad input is a 4xx, never a
500, and never takes the server down.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import Conflict, InvalidInput, ModelUnavailable, NotFound, SupportbotError
from serving.engine import Engine
from serving.errors import APIError, bad_request, forbidden, from_validation_error, server_error, unauthorized
from serving.metrics import ServerMetrics
from serving.protocol import ChatCompletionRequest, CompletionRequest, ModelCard, ModelList
from serving.serving_chat import ChatServing
from serving.serving_completion import CompletionServing

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 8 * 1024 * 1024
KNOWN_PATHS = {
    "/v1/models",
    "/v1/completions",
    "/v1/chat/completions",
    "/health",
    "/metrics",
    "/admin/adapters",
}


class _AdapterBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    name: str
    path: str


class _RequestMetrics:
    """Counts every request by endpoint and status, and times it to its last byte (streams too)."""

    def __init__(self, app: ASGIApp, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        endpoint = (
            path if path in KNOWN_PATHS else ("/admin/adapters" if path.startswith("/admin/") else "other")
        )
        started = time.perf_counter()
        status = {"code": 500}

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            code = status["code"]
            self.metrics.requests.inc(labels={"endpoint": endpoint, "status": str(code)})
            if code >= 400:
                self.metrics.errors.inc(labels={"endpoint": endpoint, "status": str(code)})
            elif endpoint.startswith("/v1/") and endpoint != "/v1/models":
                self.metrics.latency.observe(time.perf_counter() - started)


def _error_response(error: APIError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


async def _read_json(request: Request, model: type[BaseModel]) -> Any:
    size = 0
    chunks = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise APIError(
                f"The request body is larger than {MAX_BODY_BYTES} bytes.", status=413, code="too_large"
            )
        chunks.append(chunk)
    try:
        return model.model_validate_json(b"".join(chunks))
    except ValidationError as exc:
        raise from_validation_error(exc) from None


def create_app(
    engine: Engine,
    *,
    api_key: str | None = None,
    admin_token: str | None = None,
    title: str = "supportbot model server",
    registry: Any | None = None,
) -> FastAPI:
    """``registry``: the RegistryWatcher the server follows, if any (its database is in /health)."""
    chat = ChatServing(engine)
    completion = CompletionServing(engine)
    started = int(time.time())
    app = FastAPI(title=title, docs_url="/docs", redoc_url=None)
    app.add_middleware(_RequestMetrics, metrics=engine.metrics)

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "not_found" if exc.status_code == 404 else None
        return _error_response(APIError(str(exc.detail), status=exc.status_code, code=code))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error_response(server_error(f"internal error: {type(exc).__name__}"))

    def check_key(request: Request) -> None:
        if api_key and not _same(_bearer(request), api_key):
            raise unauthorized(
                "Incorrect API key provided."
                if _bearer(request)
                else "Missing API key (Authorization: Bearer ...)."
            )

    def check_admin(request: Request) -> None:
        if not admin_token:
            raise forbidden("The admin endpoints are disabled: set SUPPORTBOT_ADMIN_TOKEN to enable them.")
        if not _same(_bearer(request), admin_token):
            raise unauthorized("Missing or wrong admin token.")

    def respond(result: Any) -> Response:
        if result is None:  # the client left before the answer was ready
            return Response(status_code=499)
        if isinstance(result, BaseModel):
            return JSONResponse(result.model_dump(mode="json"))
        return StreamingResponse(
            result,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    # --- OpenAI API -----------------------------------------------------------------------------

    @app.get("/v1/models")
    async def list_models(request: Request) -> JSONResponse:
        check_key(request)
        cards = [ModelCard(created=started, **m) for m in engine.models()]
        return JSONResponse(ModelList(data=cards).model_dump(mode="json"))

    @app.post("/v1/completions")
    async def create_completion(request: Request) -> Response:
        arrived = time.perf_counter()
        check_key(request)
        body = await _read_json(request, CompletionRequest)
        return respond(
            await completion.create(body, arrived=arrived, is_disconnected=request.is_disconnected)
        )

    @app.post("/v1/chat/completions")
    async def create_chat_completion(request: Request) -> Response:
        arrived = time.perf_counter()
        check_key(request)
        body = await _read_json(request, ChatCompletionRequest)
        return respond(await chat.create(body, arrived=arrived, is_disconnected=request.is_disconnected))

    # --- operations -----------------------------------------------------------------------------

    @app.get("/health")
    async def health() -> JSONResponse:
        """503 while the generation loop is down, or the registry's database cannot be read (the
        server keeps answering with the version it has, but would miss a promote or rollback)."""
        alive = engine.alive
        if registry is None:
            database = "not used"
        else:
            database = "ok" if registry.problem is None else f"unreachable: {registry.problem}"
        ok = alive and database in ("ok", "not used")
        body = {
            "status": "ok" if ok else ("degraded" if alive else "down"),
            "generation": "running" if alive else "stopped",
            "database": database,
            "index": "not used",
            "model": engine.base_id,
            "adapters": [a["name"] for a in engine.adapters()],
            "aliases": engine.aliases(),
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics")
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(engine.metrics.render(), media_type="text/plain; version=0.0.4")

    # --- admin: adapters at run time ------------------------------------------------------------

    async def run_admin(action: Any) -> JSONResponse:
        try:
            future = action()
            result = await asyncio.wrap_future(future)
        except InvalidInput as exc:
            raise bad_request(str(exc)) from None
        except NotFound as exc:
            raise APIError(str(exc), status=404, code="not_found") from None
        except Conflict as exc:
            raise APIError(str(exc), status=409, code="conflict") from None
        except (ModelUnavailable, SupportbotError) as exc:
            raise APIError(str(exc), status=400) from None
        except Exception as exc:  # peft could not load it (shapes that do not fit the base, ...)
            raise bad_request(f"cannot load the adapter: {type(exc).__name__}: {exc}") from None
        return JSONResponse(result)

    @app.get("/admin/adapters")
    async def list_adapters(request: Request) -> JSONResponse:
        check_admin(request)
        return JSONResponse({"adapters": engine.adapters(), "aliases": engine.aliases()})

    @app.post("/admin/adapters")
    async def load_adapter(request: Request) -> JSONResponse:
        """Load an adapter, or replace (swap) the one with that name; no restart, no dropped request."""
        check_admin(request)
        body = await _read_json(request, _AdapterBody)
        return await run_admin(lambda: engine.load_adapter(body.name, body.path, source="admin"))

    @app.delete("/admin/adapters/{name}")
    async def unload_adapter(name: str, request: Request) -> JSONResponse:
        check_admin(request)
        return await run_admin(lambda: engine.unload_adapter(name))

    return app
