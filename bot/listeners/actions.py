"""Buttons on a reply: 👍 / 👎 and "Talk to a human"."""

from __future__ import annotations

import logging
from typing import Any

from bot.blocks import FEEDBACK_DOWN, FEEDBACK_UP, HANDOVER, replace_actions
from bot.responder import Responder

log = logging.getLogger(__name__)


def register(app: Any, *, responder: Responder, settings: Any) -> None:
    def rate(body: dict[str, Any], client: Any, rating: int) -> None:
        action = body["actions"][0]
        reply_id = int(action["value"])
        user = body["user"]["id"]
        responder.feedback(reply_id=reply_id, user=user, rating=rating)
        message = body.get("message") or {}
        note = "Thanks for the feedback 👍" if rating > 0 else "Thanks — we'll use this to improve 👎"
        client.chat_update(
            channel=body["channel"]["id"],
            ts=message.get("ts") or body["container"]["message_ts"],
            text=message.get("text") or "answer",
            blocks=replace_actions(message.get("blocks") or [], note),
        )

    @app.action(FEEDBACK_UP)
    def on_up(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        rate(body, client, +1)

    @app.action(FEEDBACK_DOWN)
    def on_down(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        rate(body, client, -1)

    @app.action(HANDOVER)
    def on_handover(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        action = body["actions"][0]
        user = body["user"]["id"]
        responder.hand_over(reply_id=int(action["value"]), actor=user)
        message = body.get("message") or {}
        channel = body["channel"]["id"]
        thread_ts = message.get("thread_ts") or message.get("ts")
        who = f"<!subteam^{settings.support_group_id}>" if settings.support_group_id else "A support agent"
        client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=f"{who}: <@{user}> would like to talk to a human."
        )
        client.chat_update(
            channel=channel,
            ts=message.get("ts"),
            text=message.get("text") or "answer",
            blocks=replace_actions(message.get("blocks") or [], "A human is on the way 🙋"),
        )
