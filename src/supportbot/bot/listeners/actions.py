"""Buttons on a reply: 👍 / 👎, "Talk to a human" (the hand-over's own buttons: bot.listeners.handover)
and its related questions (one picked is asked in the thread, through the delivery spool like a
message: stored first, answered once)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from supportbot.bot.blocks import FEEDBACK_DOWN, FEEDBACK_UP, HANDOVER, RELATED, replace_actions
from supportbot.bot.delivery import Inbox
from supportbot.bot.spool import SpoolError
from supportbot.bot.support_channel import Request, post_request
from supportbot.core.errors import Conflict, NotFound
from supportbot.core.originals import Sealer, clean
from supportbot.usecases.answer import Responder
from supportbot.usecases.feedback import record_feedback
from supportbot.usecases.handover import hand_over
from supportbot.usecases.messages import Incoming
from supportbot.usecases.related import MAX_QUESTION, picked_question

if TYPE_CHECKING:
    from slack_bolt import App

    from supportbot.core.settings import Settings

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


def related_click(body: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """(question, user, channel, message ts) of a related question's click, or None."""
    try:
        question = body["actions"][0]["value"]
        user = body["user"]["id"]
        channel = body["channel"]["id"]
        ts = (body.get("message") or {}).get("ts") or body["container"]["message_ts"]
    except (KeyError, IndexError, TypeError):
        return None
    values = (question, user, channel, ts)
    if not all(isinstance(v, str) and v for v in values) or len(question) > MAX_QUESTION:
        return None
    return question, user, channel, ts


def ephemeral(body: dict[str, Any]) -> bool:
    """A click on a message only its asker sees (private mode): Slack sends no ``message``."""
    return bool((body.get("container") or {}).get("is_ephemeral"))


def thread_of(body: dict[str, Any], ts: str) -> str:
    """The thread the clicked message is in (its own ts when it is a thread's top)."""
    message = body.get("message") or {}
    return message.get("thread_ts") or (body.get("container") or {}).get("thread_ts") or ts


def register(app: App, *, responder: Responder, settings: Settings, inbox: Inbox) -> None:
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
        request = Request(
            conversation_id=done.conversation_id,
            group=done.group,
            why=f"<@{user}> would like to talk to a human.",
            summary=done.view.summary,
            channel=channel,
            thread_ts=thread_of(body, ts),
            customer=done.view.customer,
            open_request=done.open_request,
        )
        post_request(client, responder.sessions, request, support_channel=settings.support_channel)
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

    _related(app, responder=responder, settings=settings, inbox=inbox)


PICKED_BY_OTHER = "These are for the customer who asked here: mention me to ask one yourself."


def _related(app: App, *, responder: Responder, settings: Settings, inbox: Inbox) -> None:
    sealer = Sealer.from_settings(settings)

    def on_related(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        click = related_click(body)
        if click is None:
            log.warning("a related-question click without a usable payload: ignored")
            return
        question, user, channel, ts = click
        try:
            picked = picked_question(responder.sessions, channel=channel, ts=ts, question=question, user=user)
        except NotFound as exc:
            log.warning("related-question click ignored: %s", exc)
            return
        except Conflict:
            client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=thread_of(body, ts), text=PICKED_BY_OTHER
            )
            return
        if picked.asked:
            log.info("related question picked before in %s/%s: not asked again", channel, ts)
            return
        text = clean(picked.question, sealer)  # redacted before the first write, as a message is
        incoming = Incoming(
            text=text.text,
            team=picked.team,
            channel=picked.channel,
            thread_ts=picked.thread_ts,
            user=user,
            ts=picked.ts,
            original_encrypted=text.sealed_original,
        )
        try:
            key = inbox.accept(kind="related", incoming=incoming)
        except SpoolError:
            log.exception("a related question could not be spooled")
            client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=picked.thread_ts, text="⚠️ Please try that again."
            )
            return
        if key is None:  # a double click: asked and answered once
            log.info("related question picked before in %s/%s: not asked again", channel, ts)
            return
        # What the customer picked, in the thread above its answer (only to them when private).
        said = f"<@{user}> asked: {escape(text.text)}"
        try:
            if ephemeral(body):
                client.chat_postEphemeral(channel=channel, user=user, thread_ts=picked.thread_ts, text=said)
            else:
                client.chat_postMessage(channel=channel, thread_ts=picked.thread_ts, text=said)
        except Exception:  # the question is spooled: it is answered all the same
            log.exception("could not show the related question picked in %s", channel)
        inbox.run(key)

    for action in RELATED:  # plain ids, so the manifest check reads them (tests/bot/test_manifest.py)
        app.action(action)(on_related)


def escape(text: str) -> str:
    """Text shown as is in a message (Slack's mrkdwn reads "<...>" as mentions and links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
