"""Feedback on replies: 👍/👎 (the latest also rates the conversation), comments, corrected answers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from supportbot.core.errors import NotFound
from supportbot.core.models import Conversation, Feedback, Message, utcnow
from supportbot.core.pii import redact_optional


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
