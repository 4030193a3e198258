"""Buttons on a reply: 👍 / 👎 and "Talk to a human" (the hand-over's own buttons: bot.listeners.handover)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.blocks import FEEDBACK_DOWN, FEEDBACK_UP, HANDOVER, handover_blocks, replace_actions, tag
from core.errors import NotFound
from usecases.answer import Responder
from usecases.feedback import record_feedback
from usecases.handover import hand_over

if TYPE_CHECKING:
    from slack_bolt import App

    from core.settings import Settings

log = logging.getLogger(__name__)


def clicked(body: dict[str, Any]) -> tuple[int, str, str, str] | None:
    """(reply id, user, channel, message ts) of a button click, or None when the payload lacks one."""
    try:
        action = body["actions"][0]
        reply_id = int(action["value"])
        user = body["user"]["id"]
        channel = body["channel"]["id"]
        ts = (body.get("message") or {}).get("ts") or body["container"]["message_ts"]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if not 0 < reply_id < 2**63 or not all(isinstance(v, str) and v for v in (user, channel, ts)):
        return None
    return reply_id, user, channel, ts


def ephemeral(body: dict[str, Any]) -> bool:
    """A click on a message only its asker sees (private mode): Slack sends no ``message``."""
    return bool((body.get("container") or {}).get("is_ephemeral"))


def thread_of(body: dict[str, Any], ts: str) -> str:
    """The thread the clicked message is in (its own ts when it is a thread's top)."""
    message = body.get("message") or {}
    return message.get("thread_ts") or (body.get("container") or {}).get("thread_ts") or ts


def register(app: App, *, responder: Responder, settings: Settings) -> None:
    def rate(body: dict[str, Any], client: Any, rating: int) -> None:
        click = clicked(body)
        if click is None:
            log.warning("a feedback click without a usable payload: ignored")
            return
        reply_id, user, channel, ts = click
        try:
            record_feedback(
                responder.sessions, reply_id=reply_id, user=user, rating=rating, shown_in=(channel, ts)
            )
        except NotFound as exc:
            log.warning("feedback click ignored: %s", exc)
            return
        message = body.get("message") or {}
        note = "Thanks for the feedback 👍" if rating > 0 else "Thanks — we'll use this to improve 👎"
        if ephemeral(body):  # only its asker sees it, and only Slack may change it: say it to them
            client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_of(body, ts), text=note)
            return
        client.chat_update(
            channel=channel,
            ts=ts,
            text=message.get("text") or "answer",
            blocks=replace_actions(message.get("blocks") or [], note, text=message.get("text") or ""),
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
        click = clicked(body)
        if click is None:
            log.warning("a hand-over click without a usable payload: ignored")
            return
        reply_id, user, channel, ts = click
        try:
            done = hand_over(
                responder.sessions,
                reply_id=reply_id,
                actor=user,
                shown_in=(channel, ts),
                default_group=settings.support_group_id,
            )
        except NotFound as exc:
            log.warning("hand-over click ignored: %s", exc)
            return
        message = body.get("message") or {}
        thread_ts = thread_of(body, ts)
        who = f"<@{user}> would like to talk to a human."
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=f"{tag(done.group)}: {who}",
            blocks=handover_blocks(
                group=done.group, why=who, summary=done.view.summary, conversation_id=done.conversation_id
            ),
        )
        if ephemeral(body):
            return
        client.chat_update(
            channel=channel,
            ts=ts,
            text=message.get("text") or "answer",
            blocks=replace_actions(
                message.get("blocks") or [], "A human is on the way 🙋", text=message.get("text") or ""
            ),
        )
