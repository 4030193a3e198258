"""The Bolt app and its HTTP endpoint (`/slack/events`); Socket Mode uses the same app."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from supportbot.bot.delivery import Inbox
from supportbot.bot.health import HealthCheck
from supportbot.bot.listeners import (
    actions,
    approvals,
    assistant,
    commands,
    handover,
    home,
    messages,
    shortcuts,
)
from supportbot.bot.listeners.messages import SPOOL_KEY
from supportbot.bot.metrics import BotMetrics
from supportbot.bot.spool import Spool
from supportbot.core.errors import ConfigError
from supportbot.usecases.answer import Responder
from supportbot.usecases.notify import slack_client

if TYPE_CHECKING:
    from slack_bolt import App

    from supportbot.core.settings import Settings

log = logging.getLogger(__name__)

# Slack's payloads are a few kB (a block_actions payload with its message, tens of kB); nothing
# larger is read before the signature has been checked.
MAX_BODY_BYTES = 1024 * 1024


def open_inbox(folder: Path, *, pool: ThreadPoolExecutor) -> Inbox:
    """The delivery spool under ``folder`` (``$SUPPORTBOT_HOME/spool``) and the work on it."""
    return Inbox(Spool.claim(folder), pool=pool)


@dataclass
class SlackBot:
    """The Bolt app and what the process around it needs, in one typed object (nothing is
    patched onto the app): the delivery inbox (for /health, the CLI and the listeners that spool
    a question themselves), the metrics (for /metrics) and the door that spools an Events API
    delivery before the ack (for the HTTP endpoint, which runs it off the event loop)."""

    app: App
    inbox: Inbox
    metrics: BotMetrics
    spool: Callable[[Any], tuple[int | None, str | None]] | None = None

    def stop(self) -> None:
        self.inbox.stop()
        self.inbox.spool.close()


def create_app(
    *,
    settings: Settings,
    responder: Responder,
    workers: int = 32,
    process_before_response: bool = False,
    inbox: Inbox | None = None,
) -> SlackBot:
    """A Bolt app: spools each question, acks at once, answers on a pool of worker threads.

    ``process_before_response=True`` (answer first, ack after) exists for the benchmark's baseline
    and for platforms that freeze a process once its response is sent (FaaS).
    """
    from slack_bolt import App

    if not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set")
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bolt-listener")
    app = App(
        signing_secret=settings.secret("slack_signing_secret") or "socket-mode-needs-no-signing-secret",
        client=slack_client(settings),
        process_before_response=process_before_response,
        listener_executor=pool,
        # http_app verifies every request's signature before Bolt sees it (Socket Mode needs no
        # signature): Bolt's own check would do the same HMAC a second time on every ack.
        request_verification_enabled=False,
    )
    inbox = inbox or open_inbox(settings.spool_folder, pool=pool)
    metrics = BotMetrics()
    metrics.watch_pending(lambda: inbox.status()["pending"])
    bot = SlackBot(app, inbox, metrics)
    bot.spool = messages.register(app, responder=responder, settings=settings, inbox=inbox, metrics=metrics)
    for module in (assistant, commands, handover, home, approvals):
        module.register(app, responder=responder, settings=settings)
    for module in (actions, shortcuts):  # these spool a question of their own
        module.register(app, responder=responder, settings=settings, inbox=inbox)
    inbox.start()
    return bot


def _plain(status: int, message: str):
    from starlette.responses import JSONResponse

    return JSONResponse({"ok": False, "error": message}, status_code=status)


async def _bounded_body(request: Request) -> bytes | None:
    """The body, or None when it is larger than MAX_BODY_BYTES (checked before reading it all)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def payload_problem(body: bytes, content_type: str) -> tuple[str | None, Any]:
    """(what is wrong with the shape of a signed Slack request, or None; the parsed JSON body).

    Slack's own requests always pass; this keeps a malformed one from reaching code that
    assumes Slack's shapes (an answer of 400 rather than a 500 with a traceback)."""
    from urllib.parse import parse_qs

    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            data = json.loads(text)
            return _event_problem(data), data
        form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        return "the body does not parse", None
    if "payload" in form:
        return _interaction_problem(form["payload"][0]), None
    if "command" in form:
        if not all(form.get(k, [""])[0] for k in ("user_id", "channel_id")):
            return "a slash command names its user_id and channel_id", None
        return None, None
    return "neither an event, an interaction nor a command", None


def _event_problem(data: Any) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "an Events API body is a JSON object with a type"
    if data["type"] == "event_callback":
        event = data.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "an event_callback carries an event object with a type"
    return None


def _interaction_problem(raw: str) -> str | None:
    try:
        payload = json.loads(raw)
    except ValueError:
        return "payload is not JSON"
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        return "payload is a JSON object with a type"
    if not isinstance(payload.get("user", {}), dict):
        return "payload.user is an object"
    actions = payload.get("actions", [])
    if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
        return "payload.actions is a list of objects"
    return None


class SlackEndpoint:
    """`POST /slack/events`: the checks before Bolt, then the spool, then Bolt's dispatch."""

    def __init__(self, bot: SlackBot, *, signing_secret: str) -> None:
        from slack_sdk.signature import SignatureVerifier

        bolt_app = bot.app
        self.bolt_app = bolt_app
        self.spool = bot.spool
        self.inline_events = bolt_app is not None and not bolt_app.process_before_response
        self.dispatcher = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bolt-dispatch")
        self.verifier = SignatureVerifier(signing_secret)

    async def checked_body(self, request: Request) -> bytes | Response:
        """The signed body, or the answer for a request Bolt must not see."""
        stamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        if not (stamp.isascii() and stamp.isdigit()) or not signature:
            return _plain(401, "missing or malformed Slack signature headers")
        body = await _bounded_body(request)
        if body is None:
            return _plain(413, f"request body larger than {MAX_BODY_BYTES} bytes")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:  # Slack sends UTF-8 only
            return _plain(400, "the request body is not UTF-8")
        if not self.verifier.is_valid(body=text, timestamp=stamp, signature=signature):
            return _plain(401, "invalid or expired Slack signature")
        return body

    async def handle(self, request: Request) -> Response:
        from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
        from starlette.concurrency import run_in_threadpool

        body = await self.checked_body(request)
        if not isinstance(body, bytes):
            return body
        content_type = request.headers.get("content-type", "")
        problem, data = payload_problem(body, content_type)
        if problem is not None:
            log.warning("signed Slack request refused: %s", problem)
            return _plain(400, f"malformed Slack request: {problem}")
        bolt_request = to_bolt_request(request, body)
        is_json = content_type.startswith("application/json")
        spool = self.spool
        if is_json and spool is not None:
            # Redact and spool the question on a thread: the fsync (shared with concurrent acks
            # by the spool's group commit) and the redaction of a long message must not hold
            # up the event loop, where every other ack waits.
            status, key = await run_in_threadpool(spool, data)
            if status is not None:
                return Response(status_code=status)
            if key is not None:
                bolt_request.context[SPOOL_KEY] = key
                if self.inline_events:
                    # On disk: that is all the ack waits for. Bolt's dispatch (middleware, the
                    # listener handed to its pool) happens behind it, off the event loop.
                    asyncio.get_running_loop().run_in_executor(
                        self.dispatcher, self.bolt_app.dispatch, bolt_request
                    )
                    return Response(status_code=200)
        if self.inline_events and is_json:
            bolt_response = self.bolt_app.dispatch(bolt_request)
        else:
            bolt_response = await run_in_threadpool(self.bolt_app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)


def http_app(
    bot: SlackBot | None,
    *,
    health: HealthCheck | None = None,
    events: bool = True,
    signing_secret: str | None = None,
    metrics: BotMetrics | None = None,
):
    """`POST /slack/events` for Events API, interactivity and slash commands, plus `/health` and
    `/metrics` (the app's own metrics: ``metrics`` or those of ``bot``).

    An Events API delivery's question is redacted and spooled on a thread (the spool's group
    commit makes concurrent acks share fsyncs), then the event is dispatched right on the event
    loop: Bolt verifies the signature, acks and hands the listener to its worker pool. Slash
    commands and button clicks (form posts) are dispatched on a thread, because there Bolt waits
    for the listener's own ``ack()``; so is everything when the app answers before it acks
    (``process_before_response``).

    Before Bolt sees a request: bodies over 1 MiB get 413 unread, missing or malformed signature
    headers and wrong signatures 401; a signed body of a shape Slack never sends gets 400.
    """
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    if events and not signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET is not set (HTTP mode verifies every request with it)")

    async def health_route(request: Request) -> JSONResponse:
        if health is None:
            return JSONResponse({"status": "ok"})
        ok, report = await run_in_threadpool(health.run)
        return JSONResponse(report, status_code=200 if ok else 503)

    metrics = metrics or (bot.metrics if bot is not None else None)

    async def metrics_route(request: Request) -> Response:
        if metrics is None:
            return _plain(404, "no metrics in this process")
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    # Plain Starlette: three routes need no OpenAPI schema, and every ack skips FastAPI's
    # per-request dependency machinery.
    routes = [
        Route("/health", health_route, methods=["GET"]),
        Route("/metrics", metrics_route, methods=["GET"]),
    ]
    if events:
        assert signing_secret is not None and bot is not None
        routes.append(
            Route(
                "/slack/events",
                SlackEndpoint(bot, signing_secret=signing_secret).handle,
                methods=["POST"],
            )
        )
    return Starlette(routes=routes)
