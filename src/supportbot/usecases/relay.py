"""The relay between a customer's thread and its hand-over request in the support channel.

An agent's reply in the request's thread is the agent's turn in the customer's conversation:
stored like every turn (redacted, exactly once) and posted in the customer's thread by the bot,
which goes quiet there as when a person writes in the thread itself. The customer's turns, while
the hand-over is open (waiting for a person or held by one), are posted into the request's thread.
What is relayed is the stored text: the identifiers the store masks stay masked on the other side.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import Role
from supportbot.core.models import Conversation
from supportbot.usecases.messages import Incoming

Sessions = sessionmaker[Session]


@dataclass(frozen=True)
class Relay:
    """A message for the other side: ``text``, written by ``author``, to post in (channel,
    thread_ts). ``to_customer``: an agent's reply for the customer's thread (else a customer's turn
    for the request's thread)."""

    channel: str
    thread_ts: str | None
    author: str | None
    text: str
    to_customer: bool
    conversation_id: int


@dataclass(frozen=True)
class AgentTurn:
    """An agent's message in a request's thread, stored in the customer's conversation.
    ``created``: False when it was stored before (a second delivery)."""

    message_id: int
    conversation_id: int
    created: bool
    relay: Relay | None  # None: nothing to post (no text, or the conversation has no thread)


def from_request_thread(sessions: Sessions, incoming: Incoming) -> AgentTurn | None:
    """An agent's reply in the thread of a hand-over request: stored as the agent's turn of the
    customer's conversation (the bot goes quiet there), with what to post in the customer's
    thread. None when the message is in no request's thread."""
    channel, thread_ts = incoming.channel, incoming.thread_ts
    if not channel or not thread_ts or thread_ts == incoming.ts:
        return None
    with transaction(sessions) as s:
        conversation = store.conversation_by_request(s, channel=channel, ts=thread_ts)
        if conversation is None:
            return None
        recorded = store.record_user_turn(
            s,
            text=incoming.text,
            source=incoming.source,
            team=incoming.team,
            channel=channel,
            thread_ts=thread_ts,
            user=incoming.user,
            ts=incoming.ts,
            event_id=incoming.event_id,
            original_encrypted=incoming.original_encrypted,
            role=Role.agent,
            conversation_id=conversation.id,
        )
        if recorded.created and incoming.user:
            store.note_human_joined(s, conversation_id=conversation.id, user=incoming.user)
        relay = None
        if recorded.message.text and conversation.slack_channel:
            relay = Relay(
                channel=conversation.slack_channel,
                thread_ts=conversation.slack_thread_ts or None,
                author=incoming.user,
                text=recorded.message.text,
                to_customer=True,
                conversation_id=conversation.id,
            )
        return AgentTurn(recorded.message.id, conversation.id, recorded.created, relay)


def to_request_thread(
    sessions: Sessions, *, conversation_id: int, author: str | None, text: str
) -> Relay | None:
    """A customer's turn for the thread of the conversation's open hand-over request; None when
    there is none (never handed over, resolved, handed back, or the request is in the thread
    itself, where the support team reads it anyway)."""
    if not text:
        return None
    with sessions() as s:
        conversation = s.get(Conversation, conversation_id)
        target = store.open_request(conversation) if conversation is not None else None
        if conversation is None or target is None:
            return None
        if target == (conversation.slack_channel, conversation.slack_thread_ts):
            return None
        return Relay(
            channel=target[0],
            thread_ts=target[1],
            author=author,
            text=text,
            to_customer=False,
            conversation_id=conversation_id,
        )
