"""An OpenAI-compatible endpoint that says what a test wrote for it, word by word.

The bot's streaming and its checks mid-stream are about what a draft says: a test needs a model
that drafts exactly "your order 9999999 …". This serves /v1/chat/completions (streamed as server-
sent events the way the API does, or whole) and /v1/models over real HTTP, so the official
`openai` client and the whole answer path run unchanged; only the words are chosen.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Script:
    def __init__(self) -> None:
        self.text = "Thanks for asking."
        self.delay_s = 0.0  # between two pieces of a stream
        self.requests: list[dict[str, Any]] = []

    def pieces(self) -> list[str]:
        words = self.text.split(" ")
        return [w if i == 0 else " " + w for i, w in enumerate(words)]


def _chunk(piece: str | None, finish: str | None, usage: dict[str, int] | None = None) -> bytes:
    choices = [] if usage else [
        {
            "index": 0,
            "delta": {"content": piece} if piece is not None else {},
            "logprobs": {"content": [{"token": piece, "logprob": -0.1, "bytes": None, "top_logprobs": []}]}
            if piece
            else None,
            "finish_reason": finish,
        }
    ]  # fmt: skip
    body = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "scripted",
        "system_fingerprint": "scripted",
        "choices": choices,
        "usage": usage,
    }
    return f"data: {json.dumps(body)}\n\n".encode()


@contextmanager
def scripted_model() -> Iterator[tuple[Script, str]]:
    """(the script to set, the base URL ending in /v1)."""
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._json(
                {"object": "list", "data": [{"id": "scripted", "object": "model", "owned_by": "test"}]}
            )

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            script.requests.append(request)
            pieces = script.pieces()
            usage = {"prompt_tokens": 10, "completion_tokens": len(pieces), "total_tokens": 10 + len(pieces)}
            if not request.get("stream"):
                message = {"role": "assistant", "content": script.text}
                logprobs = {
                    "content": [
                        {"token": p, "logprob": -0.1, "bytes": None, "top_logprobs": []} for p in pieces
                    ]
                }
                self._json(
                    {
                        "id": "chatcmpl-scripted",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": "scripted",
                        "system_fingerprint": "scripted",
                        "choices": [
                            {"index": 0, "message": message, "logprobs": logprobs, "finish_reason": "stop"}
                        ],
                        "usage": usage,
                    }
                )
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._send(_chunk("", None))
            for piece in pieces:
                time.sleep(script.delay_s)
                self._send(_chunk(piece, None))
            self._send(_chunk(None, "stop"))
            self._send(_chunk(None, None, usage))
            self._send(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")

        def _send(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _json(self, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="scripted-model", daemon=True).start()
    try:
        yield script, f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
