"""The real server (uvicorn) in a background thread on a free 127.0.0.1 port.

For tests, the training evaluation, benchmarks and the local run::

    with EmbeddedServer("path/to/model", adapters={"v2": "path/to/adapter"}) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="unused")

Give ``engine=`` to serve an engine that is already loaded (it is then left running on exit).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from typing import TYPE_CHECKING

from supportbot.serving.engine import Engine

if TYPE_CHECKING:
    import uvicorn
    from sqlalchemy.orm import Session, sessionmaker

    from supportbot.serving.active_version import RegistryWatcher

log = logging.getLogger(__name__)


class EmbeddedServer:
    def __init__(
        self,
        model: str | None = None,
        *,
        engine: Engine | None = None,
        adapters: dict[str, str] | None = None,
        device: str = "auto",
        dtype: str = "auto",
        api_key: str | None = None,
        admin_token: str | None = None,
        alias: str | None = "supportbot",
        max_batch_size: int = 64,
        sessions: sessionmaker[Session] | None = None,
        registry_interval: float = 5.0,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 60.0,
    ) -> None:
        if (model is None) == (engine is None):
            raise ValueError("give either a model path or an engine")
        self._model = model
        self._adapters = adapters or {}
        self._device, self._dtype = device, dtype
        self._max_batch_size = max_batch_size
        self.engine = engine
        self._owns_engine = engine is None
        self._api_key, self._admin_token = api_key, admin_token
        self._alias = alias
        self._sessions = sessions
        self._registry_interval = registry_interval
        self._host, self._port = host, port
        self._startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._watcher: RegistryWatcher | None = None
        self.port: int | None = None

    @property
    def watcher(self) -> RegistryWatcher | None:
        """The registry watcher, when the server follows the model registry."""
        return self._watcher

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI base URL (ends in /v1)."""
        return f"{self.url}/v1"

    def start(self) -> EmbeddedServer:
        import uvicorn

        from supportbot.serving.app import create_app

        if self.engine is None:
            from supportbot.serving.engine import load_engine

            assert self._model is not None
            self.engine = load_engine(
                self._model,
                adapters=self._adapters,
                device=self._device,
                dtype=self._dtype,
                max_batch_size=self._max_batch_size,
            )
        else:
            for name, path in self._adapters.items():
                self.engine.load_adapter(name, path, source="startup").result()
        self.engine.start()
        if self._sessions is not None and self._alias:
            from supportbot.serving.active_version import RegistryWatcher

            self._watcher = RegistryWatcher(
                self.engine, self._sessions, alias=self._alias, interval=self._registry_interval
            )
            self._watcher.check()
            self._watcher.start()
        elif self._alias and self._alias not in self.engine.aliases():
            self.engine.set_alias(self._alias, self.engine.base_id)
        app = create_app(self.engine, api_key=self._api_key, admin_token=self._admin_token)
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on sockets that say they are
        # TCP, and without it every small response waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            app, log_level="warning", lifespan="off", timeout_graceful_shutdown=3, access_log=False
        )
        server = self._server = uvicorn.Server(config)

        def serve() -> None:
            asyncio.run(server.serve(sockets=[sock]))

        thread = self._thread = threading.Thread(target=serve, name=f"uvicorn-{self.port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the model server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._owns_engine and self.engine is not None:
            self.engine.stop()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
