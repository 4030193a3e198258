"""The Bolt app and its HTTP endpoint (`/slack/events`); Socket Mode uses the same app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.requests import Request

from bot.listeners import actions, commands, messages
from bot.responder import Responder
from core.errors import ConfigError


def web_client(settings: Any):
    from slack_sdk import WebClient

    kwargs = {"base_url": settings.slack_api_url.rstrip("/") + "/"} if settings.slack_api_url else {}
    return WebClient(token=settings.secret("slack_bot_token"), **kwargs)


def create_app(
    *, settings: Any, responder: Responder, workers: int = 32, process_before_response: bool = False
):
    """A Bolt app: acks at once, answers on a pool of worker threads.

    ``process_before_response=True`` (answer first, ack after) exists for the benchmark's baseline
    and for platforms that freeze a process once its response is sent (FaaS).
    """
    from slack_bolt import App

    if not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set")
    app = App(
        signing_secret=settings.secret("slack_signing_secret") or "socket-mode-needs-no-signing-secret",
        client=web_client(settings),
        process_before_response=process_before_response,
        listener_executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bolt-listener"),
    )
    for module in (messages, actions, commands):
        module.register(app, responder=responder, settings=settings)
    return app


def http_app(bolt_app: Any):
    """`POST /slack/events` for Events API, interactivity and slash commands, plus `/health`.

    An Events API delivery is dispatched right on the event loop: Bolt verifies the signature,
    acks, and hands the listener to its worker pool, all in well under a millisecond, so hopping
    to a thread and back would only add two waits for the GIL to every ack. Slash commands and
    button clicks (form posts) are dispatched on a thread, because there Bolt waits for the
    listener's own ``ack()``; so is everything when the app answers before it acks
    (``process_before_response``).
    """
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    inline_events = not bolt_app.process_before_response

    async def events(request: Request):
        body = await request.body()
        bolt_request = to_bolt_request(request, body)
        if inline_events and request.headers.get("content-type", "").startswith("application/json"):
            bolt_response = bolt_app.dispatch(bolt_request)
        else:
            bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    # Plain Starlette: two routes need no OpenAPI schema, and every ack skips FastAPI's
    # per-request dependency machinery.
    return Starlette(
        routes=[Route("/slack/events", events, methods=["POST"]), Route("/health", health, methods=["GET"])]
    )
