"""Conversations: one per Slack thread (or local chat session), with its status and approval."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from supportbot.core.enums import ConversationStatus
from supportbot.core.errors import NotFound
from supportbot.core.models import Conversation, Message, utcnow


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


def set_status(session: Session, *, conversation_id: int, status: ConversationStatus | str) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"conversation {conversation_id} does not exist")
    conversation.status = ConversationStatus(status)
    conversation.updated_at = utcnow()
    return conversation


def status_of(session: Session, *, conversation_id: int) -> ConversationStatus | None:
    """The conversation's status now (None: there is no such conversation)."""
    conversation = session.get(Conversation, conversation_id)
    return conversation.status if conversation is not None else None


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
