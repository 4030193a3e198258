"""Conversations as training data: what review exports and what training imports.

A conversation qualifies when an admin approved it for training, or (unless ``approved_only``)
when one of its replies was rated 👍. A corrected answer (the latest one from feedback) replaces
the bot's reply; a reply rated 👎 without a correction ends the usable part of the conversation,
since what follows builds on a bad answer. Human agents' turns speak as the assistant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from supportbot.core.enums import Outcome, Role
from supportbot.core.models import Conversation, Feedback, Message


def _assistant_text(message: Message) -> str | None:
    """The text to learn from for one reply, or None when it must not be learned from (an
    action's answer: one customer's data, which a model must never learn to state)."""
    if message.outcome == Outcome.action:
        return None
    corrected = [f.corrected_answer.strip() for f in message.feedback if f.corrected_answer]
    corrected = [text for text in corrected if text]
    if corrected:
        return corrected[-1]
    ratings = [f.rating for f in message.feedback if f.rating is not None]
    if ratings and ratings[-1] < 0:
        return None
    return message.text


def conversation_to_chat(conversation: Conversation) -> list[dict[str, str]]:
    """The conversation's usable turns as OpenAI chat messages (user/assistant, alternating)."""
    messages: list[dict[str, str]] = []
    for message in conversation.messages:
        if message.role == Role.user:
            if messages and messages[-1]["role"] == "user":
                messages[-1]["content"] += "\n" + message.text  # two questions in a row: one turn
            else:
                messages.append({"role": "user", "content": message.text})
            continue
        text = _assistant_text(message)
        if text is None:
            break
        if not messages or messages[-1]["role"] != "user":
            continue  # an answer with no question before it teaches nothing
        messages.append({"role": "assistant", "content": text})
    while messages and messages[-1]["role"] != "assistant":
        messages.pop()
    return messages


def training_conversations(
    session: Session, *, approved_only: bool = False, since: datetime | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Qualifying conversations as ``{"id", "conversation_id", "messages"}`` dicts, oldest first."""
    rated_up = exists().where(
        Feedback.message_id == Message.id, Message.conversation_id == Conversation.id, Feedback.rating > 0
    )
    condition = (
        Conversation.approved_for_training
        if approved_only
        else or_(Conversation.approved_for_training, rated_up)
    )
    stmt = (
        select(Conversation)
        .where(condition)
        .options(selectinload(Conversation.messages).selectinload(Message.feedback))
        .order_by(Conversation.id)
    )
    if since is not None:
        stmt = stmt.where(Conversation.updated_at >= since)
    if limit is not None:
        stmt = stmt.limit(limit)
    out = []
    for conversation in session.scalars(stmt):
        chat = conversation_to_chat(conversation)
        if chat:
            out.append(
                {"id": f"conv-{conversation.id}", "conversation_id": conversation.id, "messages": chat}
            )
    return out
