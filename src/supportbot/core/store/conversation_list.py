"""The review list: a page of conversations with what an admin scans for, and how many match."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supportbot.core.enums import Role
from supportbot.core.models import Conversation, Message
from supportbot.core.store.conversation_filter import ConversationFilter

EVERYTHING = ConversationFilter()


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


def list_conversations(
    session: Session, *, matching: ConversationFilter = EVERYTHING, limit: int = 50, offset: int = 0
) -> list[ConversationRow]:
    """Newest first; one query for the page, whatever its size (no N+1)."""
    where = matching.conditions(session.get_bind().dialect.name)
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


def count_conversations(
    session: Session, *, matching: ConversationFilter = EVERYTHING, cap: int | None = None
) -> int:
    """How many conversations match; with ``cap``, counting stops at ``cap + 1`` ("more than cap").

    Filters on the conversation row are counted from its indexes in milliseconds; filters that
    look into the messages (``matching.looks_into_messages``) touch every matching message, which
    is what the cap bounds.
    """
    where = matching.conditions(session.get_bind().dialect.name)
    if cap is None:
        return session.scalar(select(func.count(Conversation.id)).where(*where)) or 0
    inner = select(Conversation.id).where(*where).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0
