"""The door: a Slack delivery made durable before Bolt acks it.

A global middleware (bot.listeners.messages) turns each delivery into a plain ``Incoming`` (text
redacted) and writes it to the delivery spool before the ack (``bot.delivery``). Deliveries that
are not questions (edits, joins, other bots' posts, this app's own messages, malformed ids) are
acked and dropped here.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from supportbot.bot.delivery import Inbox, entry_key
from supportbot.bot.metrics import BotMetrics
from supportbot.bot.spool import SpoolError
from supportbot.core.originals import Sealer, clean
from supportbot.usecases.messages import Incoming

log = logging.getLogger(__name__)

MENTION = re.compile(r"<@[UW][A-Z0-9]+>")
# Slack's ids: an upper-case letter saying what it is, then upper-case letters and digits.
CHANNEL_ID = re.compile(r"^[CDG][A-Z0-9]{1,31}$")
TEAM_ID = re.compile(r"^[TE][A-Z0-9]{1,31}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{1,31}$")
TS = re.compile(r"^\d{1,12}\.\d{1,9}$")
EVENT_ID = re.compile(r"^Ev[A-Za-z0-9]{2,62}$")
MAX_TEXT_CHARS = 40_000  # Slack's own limit on a message's text
# A person's message all the same: sent to the channel too, or with a file. (An agent's reply of
# either kind must quiet the bot like any other.)
HUMAN_SUBTYPES = ("thread_broadcast", "file_share")


class NotAQuestion(ValueError):
    """A delivery that carries no question for the bot (the reason says why)."""


def _valid(pattern: re.Pattern[str], value: Any, what: str, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not pattern.match(value):
        raise NotAQuestion(f"malformed {what}")
    return value


def from_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Posted by a bot or an app (this one included): answering those makes bots talk in loops."""
    if event.get("bot_id") or event.get("bot_profile") or event.get("app_id"):
        return True
    return bool(bot_user_id) and event.get("user") == bot_user_id


def classify(
    event: dict[str, Any], body: dict[str, Any], *, bot_user_id: str | None, sealer: Sealer | None = None
) -> tuple[str, Incoming]:
    """(kind, Incoming) of a question for the bot; raises NotAQuestion otherwise.

    kind: ``mention`` (an @mention anywhere), ``im`` (a direct message), ``thread`` (a reply in a
    thread, for the bot only if the bot takes part there), ``channel`` (a top-level channel
    message, for the bot only where the channel's answer mode is "all"): the last two are decided
    later, from the database.
    """
    if not isinstance(event, dict):
        raise NotAQuestion("no event")
    etype = event.get("type")
    if etype not in ("app_mention", "message"):
        raise NotAQuestion(f"event type {etype!r}")
    if event.get("subtype") not in (None, *HUMAN_SUBTYPES):  # edits, deletions, joins, bot posts
        raise NotAQuestion(f"subtype {event.get('subtype')!r}")
    if from_bot(event, bot_user_id):
        raise NotAQuestion("posted by a bot")
    channel = _valid(CHANNEL_ID, event.get("channel"), "channel id")
    ts = _valid(TS, event.get("ts"), "ts")
    thread_ts = _valid(TS, event.get("thread_ts"), "thread_ts", required=False)
    user = _valid(USER_ID, event.get("user"), "user id")
    team = _valid(TEAM_ID, body.get("team_id") or event.get("team"), "team id", required=False)
    event_id = _valid(EVENT_ID, body.get("event_id"), "event id", required=False)
    raw = event.get("text") or ""
    if not isinstance(raw, str):
        raise NotAQuestion("text is not a string")
    if len(raw) > MAX_TEXT_CHARS:
        raise NotAQuestion(f"text longer than {MAX_TEXT_CHARS} characters")

    if etype == "app_mention":
        kind = "mention"
    elif event.get("channel_type") == "im":
        kind = "im"
    elif bot_user_id and f"<@{bot_user_id}>" in raw:
        raise NotAQuestion("a mention: its app_mention event carries it")
    elif thread_ts and thread_ts != ts:
        kind = "thread"
    else:
        kind = "channel"  # answered only where the channel asks for every message

    text = clean(MENTION.sub("", raw).strip(), sealer)  # redacted before the first write
    return kind, Incoming(
        text=text.text,
        source="slack",
        team=team,
        channel=channel,
        thread_ts=thread_ts or ts,
        user=user,
        ts=ts,
        event_id=event_id,
        original_encrypted=text.sealed_original,
    )


class Door:
    """Makes a delivery's question durable before Bolt acks it."""

    def __init__(self, *, inbox: Inbox, sealer: Sealer | None, metrics: BotMetrics) -> None:
        self.inbox = inbox
        self.sealer = sealer
        self.metrics = metrics

    def spool(self, body: Any, bot_user_id: str | None) -> tuple[int | None, str | None]:
        """(status to answer with now, None) when Bolt has nothing more to do with the delivery
        (200: not a question or seen before; 503: the spool failed, Slack retries), or (None, its
        spool key) for the listener to work on."""
        status, key = self._spool(body, bot_user_id)
        if status is not None or key is not None:
            result = "spooled" if key is not None else "refused" if status == 503 else "dropped"
            self.metrics.deliveries.labels(result).inc()
        return status, key

    def _spool(self, body: Any, bot_user_id: str | None) -> tuple[int | None, str | None]:
        if not isinstance(body, dict) or body.get("type") != "event_callback":
            return None, None
        event = body.get("event")
        if not isinstance(event, dict) or event.get("type") not in ("app_mention", "message"):
            return None, None
        if self.inbox.seen(entry_key(event.get("channel"), event.get("ts"))):
            return 200, None  # a retry: acked before any work on it
        try:
            kind, incoming = classify(event, body, bot_user_id=bot_user_id, sealer=self.sealer)
        except NotAQuestion as why:
            log.debug("delivery %s acked and dropped: %s", body.get("event_id"), why)
            return 200, None
        try:
            key = self.inbox.accept(kind=kind, incoming=incoming)
        except SpoolError:
            log.exception("delivery %s NOT acked: the spool cannot be written", body.get("event_id"))
            return 503, None
        if key is None:
            return 200, None  # a retry or a second event of one message
        return None, key
