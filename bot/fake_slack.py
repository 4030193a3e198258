"""A local fake of the Slack Web API, for tests, staging and benchmarks.

Point the bot at it with SUPPORTBOT_SLACK_API_URL (slack_sdk's WebClient ``base_url``). It answers
the methods the bot uses (auth.test, chat.postMessage, chat.update, chat.postEphemeral,
reactions.add) like Slack does, and records every call for inspection. Also here: signing an
Events API request the way Slack does, so tests and benchmarks can send real signed requests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T0000001"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends: v0 signature = HMAC-SHA256 of "v0:{timestamp}:{body}"."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.time)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.lock = threading.RLock()  # wait_for holds it while its predicate inspects calls
        self._ts = 1_700_000_000.0
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> latest content
        self.changed = threading.Condition(self.lock)

    def next_ts(self) -> str:
        self._ts += 0.000100
        return f"{self._ts:.6f}"

    def handle(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.calls.append(Call(method, args))
            result = self._answer(method, args)
            self.changed.notify_all()
            return result

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack/",
                "team": "Fake",
                "user": "supportbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        if method in ("chat.postMessage", "chat.postEphemeral"):
            channel = args.get("channel")
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            ts = self.next_ts()
            message = {
                "ts": ts,
                "text": args.get("text"),
                "blocks": args.get("blocks"),
                "thread_ts": args.get("thread_ts"),
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
            self.messages[(channel, ts)] = message
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            key = (args.get("channel"), args.get("ts"))
            if key not in self.messages:
                return {"ok": False, "error": "message_not_found"}
            self.messages[key].update({"text": args.get("text"), "blocks": args.get("blocks")})
            return {"ok": True, "channel": key[0], "ts": key[1], "text": args.get("text")}
        if method == "reactions.add":
            return {"ok": True}
        return {"ok": False, "error": "unknown_method"}

    # --- inspection ----------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def thread_messages(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                m
                for (ch, _), m in sorted(self.messages.items())
                if ch == channel and m.get("thread_ts") == thread_ts
            ]

    def wait_for(self, predicate, timeout: float = 30.0) -> bool:
        deadline = time.time() + timeout
        with self.changed:
            while not predicate():
                remaining = deadline - time.time()
                if remaining <= 0:
                    return False
                self.changed.wait(remaining)
            return True


def _parse(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    ctype = handler.headers.get("Content-Type", "")
    if "json" in ctype and raw:
        return json.loads(raw)
    args: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    for key in ("blocks", "attachments"):
        if isinstance(args.get(key), str):
            with suppress(json.JSONDecodeError):
                args[key] = json.loads(args[key])
    return args


@contextmanager
def running_fake_slack(host: str = "127.0.0.1", port: int = 0) -> Iterator[tuple[FakeSlack, str]]:
    """Start the fake on a free port; yields (fake, base_url ending in /api/)."""
    fake = FakeSlack()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            method = self.path.rsplit("/", 1)[-1]
            body = json.dumps(fake.handle(method, _parse(self))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-slack", daemon=True)
    thread.start()
    try:
        yield fake, f"http://{host}:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()
