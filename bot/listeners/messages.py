"""@mentions, direct messages and follow-ups in the bot's threads."""

from __future__ import annotations

import logging
import re
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from bot.blocks import answer_blocks, working_text
from bot.responder import Incoming, Responder

log = logging.getLogger(__name__)

# Message subtypes are edits, joins, bot posts, file shares…: none of them is a new question.
MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


def incoming_from(event: dict[str, Any], body: dict[str, Any]) -> Incoming:
    text = MENTION.sub("", event.get("text") or "").strip()
    return Incoming(
        text=text,
        source="slack",
        team=body.get("team_id") or event.get("team"),
        channel=event["channel"],
        thread_ts=event.get("thread_ts") or event["ts"],
        user=event.get("user"),
        ts=event["ts"],
        event_id=body.get("event_id"),
    )


def answer_in_thread(
    *, client: Any, responder: Responder, incoming: Incoming, settings: Any, posts: Executor | None = None
) -> None:
    """Store the question, show we are on it, answer, and turn the placeholder into the answer.

    The placeholder is posted on ``posts`` while the answer is being worked out, so Slack's round
    trip is not added to the reply time; the reply is stored with the placeholder's ts.
    """
    recorded = responder.record(incoming)
    if not recorded.created:
        log.info("event %s already handled (a retry or a second delivery)", incoming.event_id)
        return
    if not incoming.text:
        return

    def post_placeholder() -> str | None:
        try:
            posted = client.chat_postMessage(
                channel=incoming.channel, thread_ts=incoming.thread_ts, text=working_text()
            )
            return posted["ts"]
        except Exception:
            log.exception("could not post the placeholder; answering without it")
            return None

    if posts is not None:
        pending = posts.submit(post_placeholder)
        placeholder = pending.result
    else:
        ts = post_placeholder()

        def placeholder() -> str | None:
            return ts

    try:
        reply = responder.answer(recorded.message.id, slack_channel=incoming.channel, slack_ts=placeholder)
        blocks = answer_blocks(reply, support_group_id=settings.support_group_id)
        text = reply.text
    except Exception:
        log.exception("answering message %s failed", recorded.message.id)
        blocks, text, reply = (
            None,
            "⚠️ Something went wrong on my side; a member of the support team will follow up.",
            None,
        )
    placeholder_ts = placeholder()
    if placeholder_ts:
        # The reply was stored with the placeholder's ts already: one write less per answer.
        client.chat_update(channel=incoming.channel, ts=placeholder_ts, text=text, blocks=blocks)
        return
    ts = client.chat_postMessage(
        channel=incoming.channel, thread_ts=incoming.thread_ts, text=text, blocks=blocks
    )["ts"]
    if reply is not None:
        responder.attach_slack_ts(reply_id=reply.message_id, channel=incoming.channel, ts=ts)


def register(app: Any, *, responder: Responder, settings: Any, posts: Executor | None = None) -> None:
    posts = posts or ThreadPoolExecutor(max_workers=16, thread_name_prefix="slack-placeholder")

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], body: dict[str, Any], client: Any) -> None:
        if event.get("subtype") or event.get("bot_id"):
            return
        answer_in_thread(
            client=client,
            responder=responder,
            incoming=incoming_from(event, body),
            settings=settings,
            posts=posts,
        )

    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any], client: Any, context: Any) -> None:
        if event.get("subtype") or event.get("bot_id"):
            return
        incoming = incoming_from(event, body)
        if event.get("channel_type") == "im":
            answer_in_thread(
                client=client, responder=responder, incoming=incoming, settings=settings, posts=posts
            )
            return
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event["ts"]:
            return  # a top-level channel message without a mention is not for us
        bot_user = getattr(context, "bot_user_id", None) or context.get("bot_user_id")
        if bot_user and f"<@{bot_user}>" in (event.get("text") or ""):
            return  # the app_mention event answers it
        if responder.is_bot_thread(team=incoming.team, channel=incoming.channel, thread_ts=thread_ts):
            answer_in_thread(
                client=client, responder=responder, incoming=incoming, settings=settings, posts=posts
            )
