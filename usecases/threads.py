"""Which conversation a Slack message belongs to, and which reply a button was on."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from core import store
from core.db import transaction
from core.errors import NotFound
from core.models import Message, Role


def is_bot_thread(sessions: sessionmaker[Session], *, team: str | None, channel: str, thread_ts: str) -> bool:
    """Is this a thread the bot takes part in (so follow-ups without a mention are for it)?"""
    with sessions() as s:
        conversation = store.find_conversation(s, team=team, channel=channel, thread_ts=thread_ts)
        if conversation is None:
            return False
        return any(m.role == Role.assistant for m in conversation.messages)


def attach_slack_ts(sessions: sessionmaker[Session], *, reply_id: int, channel: str, ts: str) -> None:
    """The Slack message that shows a stored reply (posted after the reply was stored)."""
    with transaction(sessions) as s:
        store.set_slack_ts(s, message_id=reply_id, channel=channel, ts=ts)


def clicked_reply(session: Session, *, reply_id: int, shown_in: tuple[str, str] | None) -> Message:
    """The reply a button belongs to, checked against the Slack message that was clicked:
    a button's value is only an id, and a signed payload could name any reply."""
    reply = store.find_message(session, message_id=reply_id)
    if reply is None or reply.role != Role.assistant:
        raise NotFound(f"reply {reply_id} does not exist")
    if shown_in is not None and (reply.slack_channel, reply.slack_ts) != shown_in:
        raise NotFound(f"reply {reply_id} is not the message that was clicked")
    return reply
