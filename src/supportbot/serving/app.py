"""The HTTP layer: routes are glue between JSON and the serving classes.

``create_app(engine, api_key=..., admin_token=...)`` gives a FastAPI app made of three routers,
each with its access rule as a router-level dependency, so a route added to one cannot forget it:

- ``openai_api``: ``/v1/models``, ``/v1/completions``, ``/v1/chat/completions``; the API key
  when one is set.
- ``operations``: ``/health`` and ``/metrics``, open for probes and scrapers.
- ``admin``: ``/admin/adapters``; the admin token, and disabled (403) while none is set.

Every error leaves in OpenAI's shape; bad input is a 4xx, never a 500, and never takes the
server down.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from supportbot.core.asgi_metrics import MeasureRequests
from supportbot.core.errors import Conflict, InvalidInput, ModelUnavailable, NotFound, SupportbotError
from supportbot.serving.engine import Engine
from supportbot.serving.errors import (
    APIError,
    bad_request,
    forbidden,
    from_validation_error,
    server_error,
    unauthorized,
)
from supportbot.serving.metrics import ServerMetrics
from supportbot.serving.protocol import ChatCompletionRequest, CompletionRequest, ModelCard, ModelList
from supportbot.serving.serving_chat import ChatServing
from supportbot.serving.serving_completion import CompletionServing

if TYPE_CHECKING:
    from supportbot.serving.active_version import RegistryWatcher

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


@dataclass(frozen=True)
class ServerState:
    """What the routes of one app serve with (``app.state.server``)."""

    engine: Engine
    chat: ChatServing
    completion: CompletionServing
    api_key: str | None
    admin_token: str | None
    started: int  # the models' "created"
    watcher: RegistryWatcher | None  # the registry the server follows, if any


class _AdapterBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    name: str
    path: str


def _record_request(metrics: ServerMetrics) -> Callable[[Scope, int, float], None]:
    """Counts every request by endpoint and status; times the generation endpoints' successes."""

    def record(scope: Scope, code: int, seconds: float) -> None:
        path = scope.get("path", "")
        endpoint = (
            path if path in KNOWN_PATHS else ("/admin/adapters" if path.startswith("/admin/") else "other")
        )
        metrics.requests.labels(endpoint=endpoint, status=str(code)).inc()
        if code >= 400:
            metrics.errors.labels(endpoint=endpoint, status=str(code)).inc()
        elif endpoint.startswith("/v1/") and endpoint != "/v1/models":
            metrics.latency.observe(seconds)

    return record


# --- helpers ------------------------------------------------------------------------------------


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


def _respond(result: Any) -> Response:
    if result is None:  # the client left before the answer was ready
        return Response(status_code=499)
    if isinstance(result, BaseModel):
        return JSONResponse(result.model_dump(mode="json"))
    return StreamingResponse(
        result,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# --- dependencies (async: a plain function would run on a worker thread for every request) -----


async def _server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.server
    return state


Server = Annotated[ServerState, Depends(_server_state)]


async def require_api_key(request: Request, server: Server) -> None:
    if server.api_key and not _same(_bearer(request), server.api_key):
        raise unauthorized(
            "Incorrect API key provided."
            if _bearer(request)
            else "Missing API key (Authorization: Bearer ...)."
        )


async def require_admin_token(request: Request, server: Server) -> None:
    if not server.admin_token:
        raise forbidden("The admin endpoints are disabled: set SUPPORTBOT_ADMIN_TOKEN to enable them.")
    if not _same(_bearer(request), server.admin_token):
        raise unauthorized("Missing or wrong admin token.")


openai_api = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)])
operations = APIRouter()
admin = APIRouter(prefix="/admin", dependencies=[Depends(require_admin_token)])


# --- OpenAI API ---------------------------------------------------------------------------------


@openai_api.get("/models")
async def list_models(server: Server) -> JSONResponse:
    cards = [ModelCard(created=server.started, **m) for m in server.engine.models()]
    return JSONResponse(ModelList(data=cards).model_dump(mode="json"))


@openai_api.post("/completions")
async def create_completion(request: Request, server: Server) -> Response:
    arrived = time.perf_counter()
    body = await _read_json(request, CompletionRequest)
    return _respond(
        await server.completion.create(body, arrived=arrived, is_disconnected=request.is_disconnected)
    )


@openai_api.post("/chat/completions")
async def create_chat_completion(request: Request, server: Server) -> Response:
    arrived = time.perf_counter()
    body = await _read_json(request, ChatCompletionRequest)
    return _respond(await server.chat.create(body, arrived=arrived, is_disconnected=request.is_disconnected))


# --- operations ---------------------------------------------------------------------------------


@operations.get("/health")
async def health(server: Server) -> JSONResponse:
    """503 while the generation loop is down, or the registry's database cannot be read (the
    server keeps answering with the version it has, but would miss a promote or rollback)."""
    engine, watcher = server.engine, server.watcher
    alive = engine.alive
    if watcher is None:
        database = "not used"
    else:
        database = "ok" if watcher.problem is None else f"unreachable: {watcher.problem}"
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


@operations.get("/metrics")
async def metrics(server: Server) -> Response:
    return Response(server.engine.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


# --- admin: adapters at run time ----------------------------------------------------------------


async def _run_admin(action: Callable[[], Future[dict[str, str]]]) -> JSONResponse:
    try:
        result = await asyncio.wrap_future(action())
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


@admin.get("/adapters")
async def list_adapters(server: Server) -> JSONResponse:
    return JSONResponse({"adapters": server.engine.adapters(), "aliases": server.engine.aliases()})


@admin.post("/adapters")
async def load_adapter(request: Request, server: Server) -> JSONResponse:
    """Load an adapter, or replace (swap) the one with that name; no restart, no dropped request."""
    body = await _read_json(request, _AdapterBody)
    return await _run_admin(lambda: server.engine.load_adapter(body.name, body.path, source="admin"))


@admin.delete("/adapters/{name}")
async def unload_adapter(name: str, server: Server) -> JSONResponse:
    return await _run_admin(lambda: server.engine.unload_adapter(name))


# --- the app ------------------------------------------------------------------------------------


async def _api_error(request: Request, exc: APIError) -> Response:
    return _error_response(exc)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    code = "not_found" if exc.status_code == 404 else None
    return _error_response(APIError(str(exc.detail), status=exc.status_code, code=code))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return _error_response(server_error(f"internal error: {type(exc).__name__}"))


def create_app(
    engine: Engine,
    *,
    api_key: str | None = None,
    admin_token: str | None = None,
    title: str = "supportbot model server",
    watcher: RegistryWatcher | None = None,
) -> FastAPI:
    """``watcher``: the registry watcher the server follows, if any (its database is in /health)."""
    app = FastAPI(title=title, docs_url="/docs", redoc_url=None)
    app.state.server = ServerState(
        engine=engine,
        chat=ChatServing(engine),
        completion=CompletionServing(engine),
        api_key=api_key,
        admin_token=admin_token,
        started=int(time.time()),
        watcher=watcher,
    )
    app.add_middleware(MeasureRequests, record=_record_request(engine.metrics))
    app.exception_handler(APIError)(_api_error)
    app.exception_handler(StarletteHTTPException)(_http_error)
    app.exception_handler(Exception)(_unexpected)
    for router in (openai_api, operations, admin):
        app.include_router(router)
    return app
