"""Conversations and their messages: the record of everything the bot was asked and said."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, literal_column, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core.errors import NotFound
from core.models import (
    Conversation,
    ConversationStatus,
    Feedback,
    Message,
    PromptMode,
    RetrievalHit,
    Role,
    utcnow,
)
from core.pii import redact_optional, redact_text


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


def _conversation_key(source: str, team: str | None, channel: str | None, thread_ts: str | None) -> dict:
    # NULLs are distinct in unique constraints; empty strings make the key actually unique.
    return {
        "source": source,
        "slack_team": team or "",
        "slack_channel": channel or "",
        "slack_thread_ts": thread_ts or "",
    }


def get_or_create_conversation(
    session: Session,
    *,
    source: str = "slack",
    team: str | None = None,
    channel: str | None = None,
    thread_ts: str | None = None,
    user: str | None = None,
) -> Conversation:
    """The conversation of a Slack thread (or local chat session), created once even under races."""
    key = _conversation_key(source, team, channel, thread_ts)
    found = session.scalars(select(Conversation).filter_by(**key)).first()
    if found is not None:
        return found
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = (
        insert(Conversation)
        .values(
            **key,
            slack_user=user,
            status=ConversationStatus.open,
            rating=None,
            approved_for_training=False,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )
    session.execute(stmt)
    return session.scalars(select(Conversation).filter_by(**key)).one()


def find_conversation(
    session: Session, *, source: str = "slack", team: str | None, channel: str | None, thread_ts: str | None
) -> Conversation | None:
    key = _conversation_key(source, team, channel, thread_ts)
    return session.scalars(select(Conversation).filter_by(**key)).first()


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
) -> Recorded:
    """Store a question exactly once.

    A Slack event seen before (same event id, or same channel + ts: Slack delivers one @mention
    as two events) returns the stored message with ``created=False`` and adds no row, also when
    two processes record it at the same moment: the unique keys decide, not a prior read.
    The text is stored redacted whatever the caller passed (callers redact earlier still: before
    their own first write); ``original_encrypted`` is the sealed original, when a team keeps them.
    """
    seen = _seen(session, event_id=event_id, channel=channel, ts=ts)
    if seen is not None:
        return Recorded(seen, False)
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
    outcome: str | None = None,
    details: dict[str, Any] | None = None,
    hits: Sequence[Hit] = (),
    escalated: bool = False,
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
        outcome=outcome,
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
    if escalated:
        conversation.status = ConversationStatus.escalated
    elif conversation.status == ConversationStatus.open:
        conversation.status = ConversationStatus.answered
    session.flush()
    return reply


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


def record_feedback(
    session: Session,
    *,
    message_id: int,
    user: str,
    rating: int | None = None,
    comment: str | None = None,
    corrected_answer: str | None = None,
) -> Feedback:
    """A 👍/👎, comment or corrected answer on a reply. A user's second vote replaces the first."""
    if rating not in (None, 1, -1):
        raise ValueError("rating must be +1, -1 or None")
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(f"message {message_id} does not exist")
    feedback = None
    if rating is not None and comment is None and corrected_answer is None:
        feedback = session.scalars(
            select(Feedback).where(
                Feedback.message_id == message_id, Feedback.user == user, Feedback.rating.is_not(None)
            )
        ).first()
    if feedback is None:
        feedback = Feedback(message_id=message_id, user=user)
        session.add(feedback)
    feedback.rating = rating if rating is not None else feedback.rating
    feedback.comment = redact_optional(comment) if comment is not None else feedback.comment
    feedback.corrected_answer = (
        redact_optional(corrected_answer) if corrected_answer is not None else feedback.corrected_answer
    )
    feedback.created_at = utcnow()
    conversation = session.get(Conversation, message.conversation_id)
    assert conversation is not None
    if rating is not None:
        conversation.rating = rating
    conversation.updated_at = utcnow()
    session.flush()
    return feedback


def set_status(session: Session, *, conversation_id: int, status: ConversationStatus | str) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"conversation {conversation_id} does not exist")
    conversation.status = ConversationStatus(status)
    conversation.updated_at = utcnow()
    return conversation


def set_approved(session: Session, *, conversation_id: int, approved: bool = True) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"conversation {conversation_id} does not exist")
    conversation.approved_for_training = approved
    conversation.updated_at = utcnow()
    return conversation


def get_conversation(session: Session, *, conversation_id: int) -> Conversation:
    """A conversation with its messages, their retrieval hits and feedback, in three queries."""
    conversation = session.scalars(
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .options(
            selectinload(Conversation.messages).selectinload(Message.hits),
            selectinload(Conversation.messages).selectinload(Message.feedback),
        )
    ).first()
    if conversation is None:
        raise NotFound(f"conversation {conversation_id} does not exist")
    return conversation


@dataclass(frozen=True)
class ConversationRow:
    id: int
    source: str
    channel: str | None
    user: str | None
    status: str
    rating: int | None
    approved: bool
    created_at: datetime
    updated_at: datetime
    messages: int
    first_question: str | None
    model_version: str | None


def _rating_filter(rating: str | int) -> Any:
    value = {"up": 1, "+1": 1, "1": 1, "down": -1, "-1": -1, "none": None}.get(str(rating).lower(), rating)
    if value is None:
        return Conversation.rating.is_(None)
    return Conversation.rating == int(value)


def conversation_filters(
    *,
    channel: str | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    status: str | None = None,
    rating: str | int | None = None,
    model_version: str | None = None,
    query: str | None = None,
    dialect: str = "sqlite",
) -> list[Any]:
    where: list[Any] = []
    if channel:
        where.append(Conversation.slack_channel == channel)
    if user:
        where.append(Conversation.slack_user == user)
    if since:
        where.append(Conversation.updated_at >= since)
    if until:
        where.append(Conversation.updated_at < until)
    if status:
        where.append(Conversation.status == ConversationStatus(status))
    if rating is not None and rating != "":
        where.append(_rating_filter(rating))
    if model_version:
        where.append(
            exists().where(Message.conversation_id == Conversation.id, Message.model_version == model_version)
        )
    if query and query.strip():
        where.append(exists().where(Message.conversation_id == Conversation.id, _text_match(query, dialect)))
    return where


def _text_match(query: str, dialect: str) -> Any:
    if dialect == "postgresql":
        # Uses the GIN full-text index on messages.text (migration 0002).
        # Literal config (not a bound parameter) so the planner matches the index expression.
        config = literal_column("'simple'::regconfig")
        return func.to_tsvector(config, Message.text).op("@@")(func.plainto_tsquery(config, query))
    pattern = "%" + query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return Message.text.ilike(pattern, escape="\\")


def list_conversations(
    session: Session,
    *,
    channel: str | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    status: str | None = None,
    rating: str | int | None = None,
    model_version: str | None = None,
    query: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ConversationRow]:
    """Newest first; one query for the page, whatever its size (no N+1)."""
    dialect = session.get_bind().dialect.name
    where = conversation_filters(
        channel=channel,
        user=user,
        since=since,
        until=until,
        status=status,
        rating=rating,
        model_version=model_version,
        query=query,
        dialect=dialect,
    )
    page = (
        select(Conversation.id)
        .where(*where)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    first_question = (
        select(Message.text)
        .where(Message.conversation_id == Conversation.id, Message.role == Role.user)
        .order_by(Message.id)
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    count = (
        select(func.count(Message.id))
        .where(Message.conversation_id == Conversation.id)
        .correlate(Conversation)
        .scalar_subquery()
    )
    last_version = (
        select(Message.model_version)
        .where(Message.conversation_id == Conversation.id, Message.model_version.is_not(None))
        .order_by(Message.id.desc())
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    stmt = (
        select(Conversation, first_question, count, last_version)
        .join(page, page.c.id == Conversation.id)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
    )
    return [
        ConversationRow(
            id=c.id,
            source=c.source,
            channel=c.slack_channel or None,
            user=c.slack_user,
            status=c.status.value,
            rating=c.rating,
            approved=c.approved_for_training,
            created_at=c.created_at,
            updated_at=c.updated_at,
            messages=n,
            first_question=q,
            model_version=v,
        )
        for c, q, n, v in session.execute(stmt).all()
    ]


def count_conversations(session: Session, **filters: Any) -> int:
    dialect = session.get_bind().dialect.name
    where = conversation_filters(dialect=dialect, **filters)
    return session.scalar(select(func.count(Conversation.id)).where(*where)) or 0
