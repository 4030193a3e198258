"""The Bolt app and its HTTP endpoint (`/slack/events`); Socket Mode uses the same app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import FastAPI, Request

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

    Bolt's own Starlette adapter runs the (synchronous) dispatch on the event loop; here it runs
    on a thread, so a slow signature check or a database hiccup never holds up other acks.
    """
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
    from starlette.concurrency import run_in_threadpool

    api = FastAPI(title="supportbot Slack endpoint", docs_url=None, redoc_url=None)

    @api.post("/slack/events")
    async def events(request: Request):
        body = await request.body()
        bolt_response = await run_in_threadpool(bolt_app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    @api.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return api
