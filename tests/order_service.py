"""A real order service over HTTP on 127.0.0.1 (or another loopback address; over TLS with a
context given) for the actions' tests: it answers by order number and records every request it
gets (method, path, JSON body, Authorization and Host headers)."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ORDERS = {
    "4411": {"order_id": 4411, "status": "shipped", "eta": "Friday"},
    "4412": {"order_id": 4412, "status": "packed", "eta": "Monday"},
    "5522": {"order_id": 5522, "status": "delivered", "eta": "yesterday"},
    "8800": {"order_id": 8800, "status": "lost in transit"},  # no eta: the answer cannot be written
    # A service that says what it should not: Slack's control syntax in its values.
    "6666": {
        "order_id": 6666,
        "status": "<!channel> shipped & <http://evil.example|click here>",
        "eta": "<@UADMIN01>",
    },
}


@dataclass
class OrderService:
    """Orders by number (anything else: status "unknown"); a POST cancels; 5500 answers HTTP 500,
    7777 answers after 2 s, 6600 answers HTML."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, method: str | None = None) -> list[tuple[str, str]]:
        with self.lock:
            return [(r["method"], r["path"]) for r in self.requests if method in (None, r["method"])]


@contextmanager
def running_order_service(
    host: str = "127.0.0.1", port: int = 0, *, tls: ssl.SSLContext | None = None
) -> Iterator[OrderService]:
    """The service on ``host``:``port`` (0: any free port); ``tls``: a server context, for https."""
    service = OrderService()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            with service.lock:
                service.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "body": body,
                        "auth": self.headers.get("Authorization"),
                        "host": self.headers.get("Host"),
                    }
                )
            number = self.path.split("/")[2].split("?")[0]
            if number == "7777":
                time.sleep(2)
            status, payload = 200, ORDERS.get(number, {"status": "unknown"})
            if self.command == "POST":
                payload = {"order_id": int(number), "status": "cancelled"}
            if number == "5500":
                status, payload = 500, {"error": "boom", "status": "shipped"}
            raw = b"<html>ok</html>" if number == "6600" else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, name="orders", daemon=True).start()
    service.url = f"{'https' if tls else 'http'}://{host}:{server.server_address[1]}"
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
