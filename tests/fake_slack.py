"""A local fake of the Slack Web API, for tests, staging and benchmarks.

Point the bot at it with SUPPORTBOT_SLACK_API_URL (slack_sdk's WebClient ``base_url``). It answers
the methods the bot uses like Slack does, with Slack's documented argument checks (a wrong call
fails a test instead of passing it), and records every call for inspection. A method is a
``_<method_name>`` handler (``chat.postMessage`` → ``_chat_postMessage``). Also here: signing an
Events API request the way Slack does, so tests and benchmarks can send real signed requests.
"""

from __future__ import annotations

import base64
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
        self.refuse_streaming = False
        self.statuses: dict[
            tuple[str, str], str
        ] = {}  # assistant thread -> its latest status  # chat.startStream answers an error, as where it is unavailable
        self.changed = threading.Condition(self.lock)
        # User groups (usergroups.users.list): group id -> its members' user ids.
        self.usergroups: dict[str, list[str]] = {}
        # Channels whose history can be read (conversations.history/replies); see add_history.
        self.channels: set[str] = set()
        # Channels conversations.list shows (channel id -> name) and those archived; an error
        # it answers instead (e.g. missing_scope), when set.
        self.channel_names: dict[str, str] = {}
        self.archived: set[str] = set()
        self.list_error: str | None = None
        # Slack may return fewer messages than ``limit`` asks for: at most this many a page.
        self.max_page: int | None = None
        # method -> how many more calls are answered HTTP 429 ratelimited (with Retry-After).
        self.rate_limited: dict[str, int] = {}
        self.retry_after_s = 1

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
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(args)

    # --- the Web API methods, with Slack's documented argument checks -------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack/",
            "team": "Fake",
            "user": "supportbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }

    def _post(self, channel: str, args: dict[str, Any], **extra: Any) -> dict[str, Any]:
        ts = self.next_ts()
        message = {
            "ts": ts,
            "text": args.get("text"),
            "blocks": args.get("blocks"),
            "thread_ts": args.get("thread_ts"),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            **extra,
        }
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not (args.get("text") or args.get("blocks")):
            return {"ok": False, "error": "no_text"}
        return self._post(channel, args)

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, user = args.get("channel"), args.get("user")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not user:
            return {"ok": False, "error": "user_not_in_channel"}
        if not (args.get("text") or args.get("blocks")):
            return {"ok": False, "error": "no_text"}
        posted = self._post(channel, args, ephemeral_to=user)
        return {"ok": True, "message_ts": posted["ts"]}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args.get("channel"), args.get("ts"))
        if key not in self.messages or self.messages[key].get("ephemeral_to"):
            return {"ok": False, "error": "message_not_found"}  # an ephemeral is not the channel's
        message = self.messages[key]
        message["text"] = args.get("text")
        if "blocks" in args:  # Slack keeps a message's blocks when an update names none
            message["blocks"] = args["blocks"]
        return {"ok": True, "channel": key[0], "ts": key[1], "text": args.get("text")}

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        """Slack's shape: the message's archive URL, its ts without the dot after a "p"."""
        channel, ts = args.get("channel"), args.get("message_ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts or not str(ts).replace(".", "", 1).isdigit():
            return {"ok": False, "error": "message_not_found"}
        permalink = f"https://fake.slack/archives/{channel}/p{str(ts).replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": permalink}

    # User groups: the members of one (usergroups:read).

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = args.get("usergroup")
        if not group:
            return {"ok": False, "error": "invalid_arguments", "detail": "usergroup required"}
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    # History (channels:history, groups:history): a channel's top-level messages newest first,
    # a thread's parent first and its replies oldest first; both a page at a time by cursor.

    def add_history(self, channel: str, messages: list[dict[str, Any]]) -> None:
        """Put past messages in ``channel`` (each with its ``ts``; a reply with its ``thread_ts``)."""
        with self.lock:
            self.channels.add(channel)
            for m in messages:
                self.messages[(channel, m["ts"])] = dict(m)

    def _channel_messages(self, channel: str) -> list[dict[str, Any]]:
        """The channel's messages as Slack shows them: no ephemerals, no empty fields."""
        return [
            {k: v for k, v in m.items() if v is not None and k not in ("streaming",)}
            for (ch, _), m in sorted(self.messages.items(), key=lambda item: float(item[0][1]))
            if ch == channel and not m.get("ephemeral_to")
        ]

    def _page(self, messages: list[dict[str, Any]], args: dict[str, Any], most: int) -> dict[str, Any]:
        try:
            limit = min(int(args.get("limit") or 100), most)
        except ValueError:
            return {"ok": False, "error": "invalid_limit"}
        try:
            start = int(base64.b64decode(args.get("cursor") or "").decode().removeprefix("next:") or 0)
        except ValueError:
            return {"ok": False, "error": "invalid_cursor"}
        limit = min(limit, self.max_page or limit)
        page, more = messages[start : start + limit], start + limit < len(messages)
        out: dict[str, Any] = {"ok": True, "messages": page, "has_more": more}
        if more:
            cursor = base64.b64encode(f"next:{start + limit}".encode()).decode()
            out["response_metadata"] = {"next_cursor": cursor}
        return out

    def _thread_of(self, channel: str, ts: str) -> list[dict[str, Any]]:
        return [m for m in self._channel_messages(channel) if m.get("thread_ts") == ts and m["ts"] != ts]

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel or channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(args.get("oldest") or 0)
        inclusive = str(args.get("inclusive")) in ("1", "true", "True")
        top = []
        for m in reversed(self._channel_messages(channel)):
            after = float(m["ts"]) >= oldest if inclusive else float(m["ts"]) > oldest
            reply = m.get("thread_ts") not in (None, m["ts"]) and m.get("subtype") != "thread_broadcast"
            if not after or reply:
                continue
            replies = self._thread_of(channel, m["ts"])
            if replies:  # a thread's parent carries its replies' count and latest
                m |= {
                    "thread_ts": m["ts"],
                    "reply_count": len(replies),
                    "reply_users": sorted({r["user"] for r in replies if r.get("user")}),
                    "latest_reply": replies[-1]["ts"],
                }
            top.append(m)
        return self._page(top, args, 999)

    def _conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """The channels (channels:read), a page at a time; archived ones only when not excluded."""
        if self.list_error:
            return {"ok": False, "error": self.list_error}
        skip_archived = str(args.get("exclude_archived")) in ("1", "true", "True")
        channels = [
            {"id": c, "name": name, "is_archived": c in self.archived, "is_channel": True}
            for c, name in sorted(self.channel_names.items())
            if not (skip_archived and c in self.archived)
        ]
        page = self._page(channels, args, 1000)
        if page.get("ok"):
            page["channels"] = page.pop("messages")
        return page

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("ts")
        if not channel or channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        parent = next((m for m in self._channel_messages(channel) if m["ts"] == ts), None)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        return self._page([parent, *self._thread_of(channel, str(ts))], args, 1000)

    # The assistant pane: status, suggested prompts and title of an assistant thread (a DM).

    def _assistant_thread(self, args: dict[str, Any]) -> dict[str, Any] | None:
        """The error for a call that names no assistant thread, else None."""
        channel, thread_ts = args.get("channel_id"), args.get("thread_ts")
        if not channel or not thread_ts:
            return {"ok": False, "error": "invalid_arguments", "detail": "channel_id and thread_ts required"}
        if not str(channel).startswith("D"):
            return {"ok": False, "error": "channel_not_found", "detail": "assistant threads are DMs"}
        return None

    def _assistant_threads_setStatus(self, args: dict[str, Any]) -> dict[str, Any]:
        if (error := self._assistant_thread(args)) is not None:
            return error
        if "status" not in args:
            return {"ok": False, "error": "invalid_arguments", "detail": "status required"}
        self.statuses[(args["channel_id"], args["thread_ts"])] = args["status"]
        return {"ok": True}

    def _assistant_threads_setSuggestedPrompts(self, args: dict[str, Any]) -> dict[str, Any]:
        if (error := self._assistant_thread(args)) is not None:
            return error
        prompts = args.get("prompts")
        if isinstance(prompts, str):
            prompts = json.loads(prompts)
        if not prompts or len(prompts) > 4 or not all(p.get("title") and p.get("message") for p in prompts):
            return {
                "ok": False,
                "error": "invalid_arguments",
                "detail": "1 to 4 prompts with title and message",
            }
        return {"ok": True}

    def _assistant_threads_setTitle(self, args: dict[str, Any]) -> dict[str, Any]:
        if (error := self._assistant_thread(args)) is not None:
            return error
        if not args.get("title"):
            return {"ok": False, "error": "invalid_arguments", "detail": "title required"}
        return {"ok": True}

    # Streaming (chat.startStream / appendStream / stopStream): a reply in a thread, to one
    # recipient outside a DM; appends and the stop only while the message is streaming.

    @staticmethod
    def _stream_text(args: dict[str, Any]) -> str:
        text = args.get("markdown_text") or ""
        chunks = args.get("chunks") or []
        if isinstance(chunks, str):
            chunks = json.loads(chunks)
        return text + "".join(c.get("text", "") for c in chunks if c.get("type") == "markdown_text")

    def _chat_startStream(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if self.refuse_streaming:
            return {"ok": False, "error": "method_deprecated"}  # an older workspace, say
        if not args.get("thread_ts"):
            return {"ok": False, "error": "invalid_arguments", "detail": "streamed messages are replies"}
        if not channel.startswith("D") and not (
            args.get("recipient_team_id") and args.get("recipient_user_id")
        ):
            return {"ok": False, "error": "invalid_arguments", "detail": "recipient_* required in channels"}
        posted = self._post(channel, {"text": self._stream_text(args), "thread_ts": args["thread_ts"]})
        posted["message"]["streaming"] = True
        return {"ok": True, "channel": channel, "ts": posted["ts"]}

    def _streaming(self, args: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(the streaming message, None) or (None, the error)."""
        message = self.messages.get((str(args.get("channel")), str(args.get("ts"))))
        if message is None:
            return None, {"ok": False, "error": "message_not_found"}
        if not message.get("streaming"):
            return None, {"ok": False, "error": "message_not_in_streaming_state"}
        return message, None

    def _chat_appendStream(self, args: dict[str, Any]) -> dict[str, Any]:
        message, error = self._streaming(args)
        if message is None:
            return error or {}
        text = self._stream_text(args)
        if not text:
            return {"ok": False, "error": "invalid_arguments", "detail": "markdown_text or chunks required"}
        message["text"] = (message["text"] or "") + text
        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}

    def _chat_stopStream(self, args: dict[str, Any]) -> dict[str, Any]:
        message, error = self._streaming(args)
        if message is None:
            return error or {}
        message["text"] = (message["text"] or "") + self._stream_text(args)
        blocks = args.get("blocks")
        message["blocks"] = json.loads(blocks) if isinstance(blocks, str) else blocks
        message["streaming"] = False
        return {"ok": True, "channel": args["channel"], "ts": args["ts"], "message": message}

    # App Home: views.publish replaces a user's Home tab with a view of type "home".

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user, view = args.get("user_id"), args.get("view")
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except ValueError:
                return {"ok": False, "error": "invalid_arguments", "detail": "view is not JSON"}
        if not isinstance(user, str) or not user.startswith(("U", "W")):
            return {"ok": False, "error": "invalid_arguments", "detail": "user_id required"}
        if not isinstance(view, dict) or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments", "detail": "a view of type home"}
        blocks = view.get("blocks")
        if not isinstance(blocks, list) or not 0 < len(blocks) <= 100:
            return {"ok": False, "error": "invalid_arguments", "detail": "1 to 100 blocks"}
        for block in blocks:
            if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                return {"ok": False, "error": "invalid_blocks", "detail": "every block has a type"}
            text = (block.get("text") or {}).get("text", "")
            fields = block.get("fields") or []
            if len(text) > 3000 or len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields):
                return {"ok": False, "error": "invalid_blocks", "detail": "text too long"}
        return {"ok": True, "view": {"id": f"V{len(self.calls):08d}", **view}}

    # --- inspection ----------------------------------------------------------------------------

    def take_rate_limit(self, method: str) -> bool:
        """Whether this call of ``method`` is answered 429 ratelimited (then recorded as a call)."""
        with self.lock:
            if self.rate_limited.get(method, 0) <= 0:
                return False
            self.rate_limited[method] -= 1
            self.calls.append(Call(method, {"ratelimited": True}))
            return True

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def posted(self, channel: str | None = None) -> list[Call]:
        """The calls that put a new message in a channel (posted, or a stream started), in order."""
        with self.lock:
            return [
                c
                for c in self.calls
                if c.method in ("chat.postMessage", "chat.startStream")
                and (channel is None or c.args.get("channel") == channel)
                and (c.method != "chat.startStream" or not self.refuse_streaming)
            ]

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
            method = self.path.split("?", 1)[0].rsplit("/", 1)[-1]
            self._answer(method, _parse(self))

        def do_GET(self) -> None:
            """The read methods slack_sdk sends as GET (chat.getPermalink, usergroups.users.list,
            conversations.history and .replies): their arguments in the query string."""
            path, _, query = self.path.partition("?")
            self._answer(path.rsplit("/", 1)[-1], {k: v[0] for k, v in parse_qs(query).items()})

        def _answer(self, method: str, args: dict[str, Any]) -> None:
            if fake.take_rate_limit(method):  # Slack's tier limits: HTTP 429 and when to come back
                body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
                self.send_response(429)
                self.send_header("Retry-After", str(fake.retry_after_s))
            else:
                body = json.dumps(fake.handle(method, args)).encode()
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
