"""Messages: the questions the bot was asked and what it answered, each stored exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from supportbot.core.enums import ConversationStatus, Outcome, PromptMode, Role
from supportbot.core.errors import NotFound
from supportbot.core.models import Conversation, Message, RetrievalHit, utcnow
from supportbot.core.pii import redact_text
from supportbot.core.store.conversations import get_or_create_conversation


@dataclass(frozen=True)
class Recorded:
    """The stored user turn; ``created`` is False when the event had been seen before."""

    message: Message
    created: bool


@dataclass(frozen=True)
class Hit:
    """One retrieved ticket, as stored on a reply."""

    ticket_id: int | None
    external_id: str | None
    score: float


def _seen(session: Session, *, event_id: str | None, channel: str | None, ts: str | None) -> Message | None:
    conditions = []
    if event_id:
        conditions.append(Message.slack_event_id == event_id)
    if channel and ts:
        conditions.append(and_(Message.slack_channel == channel, Message.slack_ts == ts))
    if not conditions:
        return None
    return session.scalars(select(Message).where(or_(*conditions))).first()


def record_user_turn(
    session: Session,
    *,
    text: str,
    source: str = "slack",
    team: str | None = None,
    channel: str | None = None,
    thread_ts: str | None = None,
    user: str | None = None,
    ts: str | None = None,
    event_id: str | None = None,
    role: Role = Role.user,
    original_encrypted: str | None = None,
    conversation_id: int | None = None,
) -> Recorded:
    """Store a question exactly once.

    A Slack event seen before (same event id, or same channel + ts: Slack delivers one @mention
    as two events) returns the stored message with ``created=False`` and adds no row, also when
    two processes record it at the same moment: the unique keys decide, not a prior read.
    The text is stored redacted whatever the caller passed (callers redact earlier still: before
    their own first write); ``original_encrypted`` is the sealed original, when a team keeps them.
    ``conversation_id``: the turn belongs to that conversation, not to the one of its own thread (an
    agent's reply in the support channel, relayed to the customer's thread).
    """
    seen = _seen(session, event_id=event_id, channel=channel, ts=ts)
    if seen is not None:
        return Recorded(seen, False)
    if conversation_id is not None:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound(f"conversation {conversation_id} does not exist")
    else:
        conversation = get_or_create_conversation(
            session, source=source, team=team, channel=channel, thread_ts=thread_ts or ts, user=user
        )
    message = Message(
        conversation_id=conversation.id,
        role=role,
        text=redact_text(text),
        original_encrypted=original_encrypted,
        slack_user=user,
        slack_channel=channel,
        slack_ts=ts,
        slack_event_id=event_id,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        seen = _seen(session, event_id=event_id, channel=channel, ts=ts)
        if seen is None:
            raise
        return Recorded(seen, False)
    conversation.updated_at = utcnow()
    if (
        conversation.status in (ConversationStatus.answered, ConversationStatus.resolved)
        and role == Role.user
    ):
        conversation.status = ConversationStatus.open
    return Recorded(message, True)


def record_reply(
    session: Session,
    *,
    reply_to_id: int,
    text: str,
    role: Role = Role.assistant,
    model: str | None = None,
    model_version: str | None = None,
    prompt_mode: PromptMode | str | None = None,
    latency_ms: int | None = None,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    confidence: float | None = None,
    outcome: Outcome | str | None = None,
    details: dict[str, Any] | None = None,
    hits: Sequence[Hit] = (),
    slack_channel: str | None = None,
    slack_ts: str | None = None,
) -> Message:
    """Store the answer to a user turn with how it was made and what it was based on."""
    question = session.get(Message, reply_to_id)
    if question is None:
        raise NotFound(f"message {reply_to_id} does not exist")
    reply = Message(
        conversation_id=question.conversation_id,
        role=role,
        text=redact_text(text),
        reply_to_id=reply_to_id,
        model=model,
        model_version=model_version,
        prompt_mode=PromptMode(prompt_mode) if prompt_mode else None,
        latency_ms=latency_ms,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        confidence=confidence,
        outcome=Outcome(outcome).value if outcome is not None else None,
        details=details,
        slack_channel=slack_channel,
        slack_ts=slack_ts,
        hits=[
            RetrievalHit(
                ticket_id=h.ticket_id, ticket_external_id=h.external_id, rank=rank, score=float(h.score)
            )
            for rank, h in enumerate(hits, start=1)
        ],
    )
    session.add(reply)
    conversation = session.get(Conversation, question.conversation_id)
    assert conversation is not None
    conversation.updated_at = utcnow()
    if outcome is not None and Outcome(outcome).escalates:
        conversation.status = ConversationStatus.escalated
    elif conversation.status == ConversationStatus.open:
        conversation.status = ConversationStatus.answered
    session.flush()
    return reply


def find_message(session: Session, *, message_id: int) -> Message | None:
    return session.get(Message, message_id)


def reply_to(session: Session, *, message_id: int) -> Message | None:
    """The reply already stored for a user turn, if any."""
    return session.scalars(select(Message).where(Message.reply_to_id == message_id)).first()


def set_slack_ts(session: Session, *, message_id: int, channel: str, ts: str) -> None:
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(f"message {message_id} does not exist")
    message.slack_channel, message.slack_ts = channel, ts


def message_by_slack_ts(session: Session, *, channel: str, ts: str) -> Message | None:
    return session.scalars(
        select(Message).where(Message.slack_channel == channel, Message.slack_ts == ts)
    ).first()


def thread_history(
    session: Session, *, conversation_id: int, before_id: int | None = None, limit: int = 20
) -> list[Message]:
    """The newest ``limit`` turns of a conversation (before ``before_id``), oldest first."""
    stmt = select(Message).where(Message.conversation_id == conversation_id)
    if before_id is not None:
        stmt = stmt.where(Message.id < before_id)
    rows = session.scalars(stmt.order_by(Message.id.desc()).limit(limit)).all()
    return list(reversed(rows))
