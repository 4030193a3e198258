"""Approve / Cancel of a declared action's call (usecases.actions), under its proposal in the
customer's thread or, for an irreversible one where a support channel is set, on its request there
(bot.support_channel).

The button's value is only the call's id: the click is checked against the call's own thread, or
against its request's message once the support team was asked; the use case decides who may
approve (a write: the conversation's customer; an irreversible one: an admin, or on the request
the support team, bot.support_team) and runs an approved call exactly once, or cancels one that
waited too long as expired. A refused click is told to the clicker alone; a second click changes
nothing. The result is said where the click was and, from the support channel, in the customer's
thread too; a call that failed puts the conversation in front of the support team, as any
hand-over does.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from supportbot.bot.blocks import APPROVE_ACTION, CANCEL_ACTION, decided_blocks
from supportbot.bot.listeners.actions import clicked, ephemeral, thread_of
from supportbot.bot.support_channel import Request, post_request
from supportbot.bot.support_team import SupportTeam
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
    team = SupportTeam(app.client, group=settings.support_group_id, admins=settings.admin_user_ids)

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
            done = step(
                call_id=call_id,
                user=user,
                in_thread=(channel, thread_ts),
                in_message=(channel, ts),
                approvers=team,
            )
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
            note = "Expired: nothing was done" if done.expired else NOTES[approve].format(user=user)
            client.chat_update(
                channel=channel,
                ts=ts,
                text=text,
                blocks=decided_blocks(message.get("blocks") or [], note, text=text),
            )
        _say(client, done, channel=channel, thread_ts=thread_ts)
        if done.handed_over is not None:
            _hand_over(client, responder, settings, done, fallback=(channel, thread_ts))

    @app.action(APPROVE_ACTION)
    def on_approve(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        decide(body, client, approve=True)

    @app.action(CANCEL_ACTION)
    def on_cancel(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        decide(body, client, approve=False)


def _say(client: Any, done: Decided, *, channel: str, thread_ts: str) -> None:
    """The result where the click was, and in the customer's thread when that is elsewhere (the
    support channel's request): the team reads why a call failed, the customer never does."""
    if not done.text:
        return
    customer = done.customer_thread
    elsewhere = customer is not None and customer != (channel, thread_ts)
    here = done.text
    if elsewhere and done.error is not None:
        here = f"It failed ({done.error}); the conversation is handed over."
    client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=here)
    if elsewhere:
        assert customer is not None
        client.chat_postMessage(channel=customer[0], thread_ts=customer[1], text=done.text)


def _hand_over(
    client: Any, responder: Responder, settings: Settings, done: Decided, *, fallback: tuple[str, str]
) -> None:
    """A failed call: the support team is asked to take over, with the reason in the summary."""
    handed = done.handed_over
    assert handed is not None
    channel, thread_ts = done.customer_thread or fallback
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
