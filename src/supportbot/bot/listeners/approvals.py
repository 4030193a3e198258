"""Approve / Cancel under a declared action's proposal (usecases.actions).

The button's value is only the call's id: the click is checked against the call's own thread,
and the use case decides who may approve (a write: the conversation's customer; an irreversible
one: an admin) and runs an approved call exactly once. A refused click is told to the clicker
alone; a second click changes nothing. The result is said in the thread; a call that failed puts
the conversation in front of the support team, as any hand-over does.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from supportbot.bot.blocks import APPROVE_ACTION, CANCEL_ACTION, decided_blocks
from supportbot.bot.listeners.actions import clicked, ephemeral, thread_of
from supportbot.bot.support_channel import Request, post_request
from supportbot.core.errors import Conflict, NotFound
from supportbot.usecases.action_calls import Decided
from supportbot.usecases.answer import Responder

if TYPE_CHECKING:
    from slack_bolt import App

    from supportbot.core.settings import Settings

log = logging.getLogger(__name__)

TAKE_OVER_WHY = "could you take over this thread? An action the customer asked for failed."
NOTES = {True: "Approved by <@{user}>", False: "Cancelled by <@{user}>"}


def register(app: App, *, responder: Responder, settings: Settings) -> None:
    def decide(body: dict[str, Any], client: Any, *, approve: bool) -> None:
        click = clicked(body)
        desk = responder.actions
        if click is None or desk is None:
            log.warning("an approval click without a usable payload (or no actions declared): ignored")
            return
        call_id, user, channel, ts = click
        thread_ts = thread_of(body, ts)
        step = desk.approve if approve else desk.cancel
        try:
            done = step(call_id=call_id, user=user, in_thread=(channel, thread_ts))
        except NotFound as exc:
            log.warning("approval click ignored: %s", exc)
            return
        except Conflict as exc:  # not theirs to decide: told to them alone (and audited)
            client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=str(exc))
            return
        if not done.changed:
            log.info("action call %s was decided before (%s): click ignored", call_id, done.state)
            return
        message = body.get("message") or {}
        if not ephemeral(body):
            text = message.get("text") or "action"
            note = NOTES[approve].format(user=user)
            client.chat_update(
                channel=channel,
                ts=ts,
                text=text,
                blocks=decided_blocks(message.get("blocks") or [], note, text=text),
            )
        if done.text:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=done.text)
        if done.handed_over is not None:
            _hand_over(client, responder, settings, done, channel=channel, thread_ts=thread_ts)

    @app.action(APPROVE_ACTION)
    def on_approve(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        decide(body, client, approve=True)

    @app.action(CANCEL_ACTION)
    def on_cancel(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        decide(body, client, approve=False)


def _hand_over(
    client: Any, responder: Responder, settings: Settings, done: Decided, *, channel: str, thread_ts: str
) -> None:
    """A failed call: the support team is asked to take over, with the reason in the summary."""
    handed = done.handed_over
    assert handed is not None
    request = Request(
        conversation_id=done.conversation_id,
        group=handed.group,
        why=TAKE_OVER_WHY,
        summary=handed.view.summary,
        channel=channel,
        thread_ts=thread_ts,
        customer=handed.view.customer,
        open_request=handed.open_request,
    )
    post_request(client, responder.sessions, request, support_channel=settings.support_channel)
