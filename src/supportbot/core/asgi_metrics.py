"""One ASGI middleware that sees every HTTP request's status and duration (to its last byte,
streams too), for the web apps' Prometheus metrics: each app says what to record."""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# (the request's scope, its response status, seconds to its last byte) -> record it
Record = Callable[[Scope, int, float], None]


class MeasureRequests:
    def __init__(self, app: ASGIApp, record: Record) -> None:
        self.app = app
        self.record = record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def noting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            self.record(scope, status["code"], time.perf_counter() - started)
