"""An answer shown in Slack while it is written: Slack's native streaming, or message updates.

The answer pipeline hands over the releasable text so far (usecases.release) from its own
thread; a sender on the posting pool takes the newest text and brings Slack up to it, so the
generation never waits on Slack and pieces that arrive while a call is out go in the next one.

- Streaming: ``chat.startStream`` with the first text (``recipient_*`` outside a DM, as Slack
  requires), ``chat.appendStream`` with what is new since, ``chat.stopStream`` with the rest and
  the sources and buttons once the answer is checked.
- Where streaming is refused (an older workspace, an API error): one ``chat.postMessage``, then
  ``chat.update`` at most once every ``update_interval_s`` (Slack rate-limits updates), the last
  one with the blocks.

Nothing is posted before there is text that may be shown: an answer that becomes the best
ticket or a hand-over is posted whole by the caller. Should the checked answer not continue what
was shown (the confidence gate handed over at the end), the message is replaced by it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

log = logging.getLogger(__name__)


class StreamedReply:
    def __init__(
        self,
        client: Any,
        *,
        channel: str,
        thread_ts: str,
        team: str | None,
        user: str | None,
        posts: Executor,
        on_posted: Callable[[str], None],
        stream: bool = True,
        append_interval_s: float = 0.2,
        update_interval_s: float = 1.0,
    ) -> None:
        self.client = client
        self.channel, self.thread_ts = channel, thread_ts
        self.team, self.user = team, user
        self.posts = posts
        self.on_posted = on_posted  # told the ts of the message once it exists
        self.mode = "stream" if stream else "update"
        self.append_interval_s = append_interval_s
        self.update_interval_s = update_interval_s
        self.ts: str | None = None
        self.sent = ""  # the text Slack shows
        self.failed = False  # Slack refused a call: nothing more is sent before the end
        self._latest = ""
        self._last_call = 0.0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._sending = False

    # --- while the answer is written (the pipeline's thread) ---------------------------------

    def offer(self, text: str) -> None:
        """The releasable text so far; Slack is brought up to it in the background."""
        with self._lock:
            self._latest = text
            if self._sending or self.failed:
                return
            self._sending = True
        self.posts.submit(self._send_loop)

    def _send_loop(self) -> None:
        try:
            while True:
                with self._lock:
                    text = self._latest
                    if self.failed or len(text) <= len(self.sent):
                        self._sending = False
                        self._idle.notify_all()
                        return
                self._wait_for_slot()
                self._send(text)
        except Exception:
            log.exception("streaming the answer to Slack failed; the finished answer is posted instead")
            with self._lock:
                self.failed = True
                self._sending = False
                self._idle.notify_all()

    def _wait_for_slot(self) -> None:
        interval = self.update_interval_s if self.mode == "update" else self.append_interval_s
        if self.ts is not None:
            time.sleep(max(0.0, self._last_call + interval - time.monotonic()))

    def _send(self, text: str) -> None:
        from slack_sdk.errors import SlackApiError

        if self.ts is None and self.mode == "stream":
            try:
                self.ts = self._start(text[len(self.sent) :])
            except SlackApiError as exc:
                log.info(
                    "Slack refused streaming (%s): updating a message instead", exc.response.get("error")
                )
                self.mode = "update"
        if self.ts is None:
            self.ts = self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=text)[
                "ts"
            ]
        elif self.mode == "stream" and self.sent:
            self.client.chat_appendStream(
                channel=self.channel, ts=self.ts, markdown_text=text[len(self.sent) :]
            )
        elif self.mode == "update":
            self.client.chat_update(channel=self.channel, ts=self.ts, text=text)
        self._last_call = time.monotonic()
        if not self.sent:
            self.on_posted(self.ts)
        self.sent = text

    def _start(self, text: str) -> str:
        recipient = {}
        if not self.channel.startswith("D") and self.team and self.user:
            recipient = {"recipient_team_id": self.team, "recipient_user_id": self.user}
        response = self.client.chat_startStream(
            channel=self.channel, thread_ts=self.thread_ts, markdown_text=text, **recipient
        )
        return str(response["ts"])

    # --- once the answer is checked -------------------------------------------------------------

    def finish(
        self, text: str, *, blocks: list[dict[str, Any]], extra_blocks: list[dict[str, Any]]
    ) -> str | None:
        """Show the finished ``text`` where the answer was streamed; the message's ts, or None when
        nothing was shown (the caller posts the answer itself). ``blocks``: the whole message;
        ``extra_blocks``: what goes under streamed text (sources, buttons)."""
        with self._lock:
            self.failed = True  # no sender starts after this
            while self._sending:
                self._idle.wait()
        if self.ts is None:
            return None
        if self.mode == "stream":
            continues = text.startswith(self.sent)
            rest = text[len(self.sent) :] if continues else ""
            stopped = self.stop(rest=rest, blocks=extra_blocks if continues else None)
            if stopped and continues:
                return self.ts
        else:
            time.sleep(max(0.0, self._last_call + self.update_interval_s - time.monotonic()))
        from slack_sdk.errors import SlackApiError

        try:
            self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)
        except SlackApiError as exc:  # the shown draft cannot be replaced: the answer goes below it
            log.warning(
                "could not replace the streamed draft (%s): posting the answer", exc.response.get("error")
            )
            self.ts = str(
                self.client.chat_postMessage(
                    channel=self.channel, thread_ts=self.thread_ts, text=text, blocks=blocks
                )["ts"]
            )
        return self.ts

    def stop(self, *, rest: str = "", blocks: list[dict[str, Any]] | None = None) -> bool:
        """End a started stream (with ``rest`` and ``blocks`` under it); False when Slack refused."""
        from slack_sdk.errors import SlackApiError

        if self.ts is None or self.mode != "stream":
            return False
        args: dict[str, Any] = {"channel": self.channel, "ts": self.ts}
        if rest:
            args["markdown_text"] = rest
        if blocks is not None:
            args["blocks"] = blocks
        try:
            self.client.chat_stopStream(**args)
        except SlackApiError as exc:
            log.warning("chat.stopStream refused (%s)", exc.response.get("error"))
            return False
        self.mode = "stopped"
        return True

    def abandon(self) -> None:
        """The answer failed: stop sending, and end a started stream where it is."""
        with self._lock:
            self.failed = True
            while self._sending:
                self._idle.wait()
        self.stop()
