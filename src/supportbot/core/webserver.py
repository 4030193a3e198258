"""Any ASGI app in a real uvicorn server on a background thread (local runs, tests, benchmarks).

with BackgroundServer(app, name="review") as server:
    httpx.get(server.url + "/login")
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any


class BackgroundServer:
    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        name: str = "server",
        startup_timeout_s: float = 30.0,
    ) -> None:
        self.app = app
        self.name = name
        self.host = host
        self._port = port
        self._startup_timeout_s = startup_timeout_s
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        import uvicorn

        # IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say they are TCP; without it
        # small responses wait ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._port))
        self.port = sock.getsockname()[1]
        # No proxy headers: uvicorn would believe X-Forwarded-For from any local client. An app
        # behind a proxy says which proxies it trusts itself (review: SUPPORTBOT_TRUSTED_PROXIES).
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, timeout_graceful_shutdown=3, proxy_headers=False
        )
        self._server = uvicorn.Server(config)

        def serve() -> None:
            asyncio.run(self._server.serve(sockets=[sock]))

        self._thread = threading.Thread(target=serve, name=f"{self.name}-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the {self.name} server did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
