"""Which conversation a Slack message belongs to, and which reply a button was on."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import Role
from supportbot.core.errors import NotFound
from supportbot.core.models import Message
from supportbot.usecases.messages import Reply


@dataclass(frozen=True)
class ThreadState:
    """A Slack thread the bot has a conversation for: whose it is, and whether the bot spoke."""

    conversation_id: int
    customer: str | None
    bot_took_part: bool


def thread_state(
    sessions: sessionmaker[Session], *, team: str | None, channel: str, thread_ts: str, source: str = "slack"
) -> ThreadState | None:
    """The conversation of a thread (of Slack, or of ``source``: the local chat, `ask`), if any."""
    with sessions() as s:
        conversation = store.find_conversation(
            s, source=source, team=team, channel=channel, thread_ts=thread_ts
        )
        if conversation is None:
            return None
        return ThreadState(
            conversation.id,
            conversation.slack_user,
            any(m.role == Role.assistant for m in conversation.messages),
        )


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


def shared_reply(sessions: sessionmaker[Session], *, reply_id: int, user: str, channel: str) -> Reply:
    """A private answer its asker shares with the channel: only theirs, only where it was asked."""
    with sessions() as s:
        reply = store.find_message(s, message_id=reply_id)
        if reply is None or reply.role != Role.assistant:
            raise NotFound(f"reply {reply_id} does not exist")
        conversation = reply.conversation
        if conversation.slack_channel != channel or conversation.slack_user != user:
            raise NotFound(f"reply {reply_id} is not one of yours in this channel")
        return Reply.stored(reply)
