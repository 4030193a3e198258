"""The hand-over lifecycle's buttons: "I'll take it", "Resolved" (then the customer's 1–5),
"Hand back to the bot"; and "Share with the channel" under a private answer.

Each button's value is a conversation (or reply) id; the click is checked against the thread it
was made in (the customer's, or the request's in the support channel), since a signed payload
could name any conversation. The lifecycle's buttons are the support team's (bot.support_team):
anyone else is told so, only them, and nothing changes. The state is the database's
(usecases.handover); the buttons only ask for changes and say what happened, in the thread of
the click and, when that is the support channel's, to the customer too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from supportbot.bot.blocks import (
    CLAIM,
    CSAT,
    HAND_BACK,
    RESOLVE,
    SHARE,
    answer_blocks,
    csat_blocks,
    replace_actions,
)
from supportbot.bot.listeners.actions import thread_of
from supportbot.bot.support_team import SupportTeam
from supportbot.core.errors import Forbidden, SupportbotError
from supportbot.usecases import handover
from supportbot.usecases.threads import attach_slack_ts, shared_reply

if TYPE_CHECKING:
    from slack_bolt import App

    from supportbot.core.db import Sessions
    from supportbot.core.settings import Settings
    from supportbot.usecases.answer import Responder

log = logging.getLogger(__name__)


def _click(body: dict[str, Any]) -> tuple[int, str, str, str, str] | None:
    """(id in the button's value, user, channel, message ts, thread ts) of a click, or None."""
    try:
        value = int(body["actions"][0]["value"])
        user, channel = body["user"]["id"], body["channel"]["id"]
        message = body.get("message") or {}
        ts = message.get("ts") or body["container"]["message_ts"]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if not 0 < value < 2**63 or not all(isinstance(v, str) and v for v in (user, channel, ts)):
        return None
    return value, user, channel, ts, thread_of(body, ts)


REFUSED = "Sorry, only the support team can take, resolve or hand back a conversation."


def register(app: App, *, responder: Responder, settings: Settings) -> None:
    sessions = responder.sessions
    team = SupportTeam(app.client, group=settings.support_group_id, admins=settings.admin_user_ids)
    _step(app, sessions, team, CLAIM, handover.claim, lambda user: f"<@{user}> is taking care of this.")
    _step(app, sessions, team, RESOLVE, handover.resolve, lambda user: f"<@{user}> marked this as resolved.")
    _step(
        app,
        sessions,
        team,
        HAND_BACK,
        handover.hand_back,
        lambda user: f"<@{user}> handed this back to the bot: ask me anything.",
    )
    for score in range(1, 6):
        _rating(app, sessions, score)
    _share(app, sessions)


def _step(
    app: App,
    sessions: Sessions,
    team: SupportTeam,
    action: str,
    change: Callable[..., handover.HandoverView],
    note: Callable[[str], str],
) -> None:
    @app.action(action)
    def on_click(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        click = _click(body)
        if click is None:
            log.warning("a %s click without a usable payload: ignored", action)
            return
        conversation_id, user, channel, ts, thread_ts = click
        try:
            view = change(
                sessions,
                conversation_id=conversation_id,
                agent=user,
                in_thread=(channel, thread_ts),
                agents=team,
            )
        except Forbidden as exc:  # said to them alone; the refusal is audited
            log.warning("%s click ignored: %s", action, exc)
            client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=REFUSED)
            return
        except SupportbotError as exc:
            log.warning("%s click ignored: %s", action, exc)
            return
        message = body.get("message") or {}
        if action == RESOLVE:  # a resolved case has no more steps
            blocks = replace_actions(message.get("blocks") or [], "Resolved ✅")
            client.chat_update(channel=channel, ts=ts, text=message.get("text") or "hand-over", blocks=blocks)
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=note(user))
        # The customer's thread: told too when the click was in the support channel, and asked
        # for a rating there (a rating is theirs to give).
        customer = (view.channel, view.thread_ts) if view.channel else (channel, thread_ts)
        if customer != (channel, thread_ts):
            client.chat_postMessage(channel=customer[0], thread_ts=customer[1], text=note(user))
        if action == RESOLVE and view.customer:
            client.chat_postMessage(
                channel=customer[0],
                thread_ts=customer[1],
                text="How did we do?",
                blocks=csat_blocks(conversation_id),
            )


def _rating(app: App, sessions: Sessions, score: int) -> None:
    @app.action(CSAT[score - 1])
    def on_rating(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        click = _click(body)
        if click is None:
            return
        conversation_id, user, channel, ts, thread_ts = click
        try:
            handover.record_csat(
                sessions,
                conversation_id=conversation_id,
                user=user,
                score=score,
                in_thread=(channel, thread_ts),
            )
        except SupportbotError as exc:
            log.warning("rating click ignored: %s", exc)
            return
        message = body.get("message") or {}
        client.chat_update(
            channel=channel,
            ts=ts,
            text=f"Thanks for rating us {score}/5.",
            blocks=replace_actions(message.get("blocks") or [], f"Thanks for rating us {score}/5 🙏"),
        )


def _share(app: App, sessions: Sessions) -> None:
    @app.action(SHARE)
    def on_share(ack: Any, body: dict[str, Any], client: Any) -> None:
        """A private answer, posted where everyone in the thread sees it."""
        ack()
        click = _click(body)
        if click is None:
            return
        reply_id, user, channel, _ts, thread_ts = click
        try:
            reply = shared_reply(sessions, reply_id=reply_id, user=user, channel=channel)
        except SupportbotError as exc:
            log.warning("share click ignored: %s", exc)
            return
        posted = client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=reply.text, blocks=answer_blocks(reply)
        )
        attach_slack_ts(sessions, reply_id=reply_id, channel=channel, ts=posted["ts"])
