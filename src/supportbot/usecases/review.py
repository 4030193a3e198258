"""What an admin does to a stored conversation: rate, comment on or correct a reply, approve the
conversation for training, set its status. Each change is audited with the admin's name."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import ConversationStatus, Rating, Role
from supportbot.core.errors import InvalidInput, NotFound
from supportbot.core.models import Message

RATING_VALUES = [r.value for r in Rating]
STATUS_VALUES = [s.value for s in ConversationStatus]


def _reply_in(session: Session, *, conversation_id: int, message_id: int) -> Message:
    message = store.find_message(session, message_id=message_id)
    if message is None or message.conversation_id != conversation_id:
        raise NotFound(f"conversation {conversation_id} has no message {message_id}")
    if message.role == Role.user:
        raise InvalidInput("only replies can be rated or corrected")
    return message


def rate_reply(
    sessions: sessionmaker[Session], *, admin: str, conversation_id: int, message_id: int, rating: str
) -> None:
    """An admin's 👍 ("up") or 👎 ("down") on a reply."""
    if rating not in RATING_VALUES:
        raise InvalidInput(f"rating must be {' or '.join(RATING_VALUES)}")
    with transaction(sessions) as s:
        _reply_in(s, conversation_id=conversation_id, message_id=message_id)
        store.record_feedback(s, message_id=message_id, user=f"admin:{admin}", rating=Rating(rating).score)
        store.audit(
            s,
            actor=admin,
            action="review.rate",
            conversation_id=conversation_id,
            message_id=message_id,
            detail={"rating": rating},
        )


def comment_on_reply(
    sessions: sessionmaker[Session], *, admin: str, conversation_id: int, message_id: int, text: str
) -> bool:
    """An admin's note on a reply; False (nothing stored) when it is empty."""
    text = text.strip()
    if not text:
        return False
    with transaction(sessions) as s:
        _reply_in(s, conversation_id=conversation_id, message_id=message_id)
        store.record_feedback(s, message_id=message_id, user=f"admin:{admin}", comment=text)
        store.audit(
            s,
            actor=admin,
            action="review.comment",
            conversation_id=conversation_id,
            message_id=message_id,
            detail={"comment": text[:500]},
        )
    return True


def correct_reply(
    sessions: sessionmaker[Session], *, admin: str, conversation_id: int, message_id: int, text: str
) -> str:
    """The answer the reply should have been (training uses it); returns "corrected", or "empty" /
    "unchanged" when there is nothing new to store."""
    text = text.strip()
    if not text:
        return "empty"
    with transaction(sessions) as s:
        message = _reply_in(s, conversation_id=conversation_id, message_id=message_id)
        previous = [f.corrected_answer for f in message.feedback if f.corrected_answer]
        if text == (previous[-1] if previous else message.text.strip()):
            return "unchanged"
        store.record_feedback(s, message_id=message_id, user=f"admin:{admin}", corrected_answer=text)
        store.audit(
            s,
            actor=admin,
            action="review.correct",
            conversation_id=conversation_id,
            message_id=message_id,
            detail={"corrected_answer": text[:500]},
        )
    return "corrected"


def approve_conversation(
    sessions: sessionmaker[Session], *, admin: str, conversation_id: int, approved: bool
) -> None:
    """Approved conversations are training data for the next fine-tune."""
    with transaction(sessions) as s:
        store.set_approved(s, conversation_id=conversation_id, approved=approved)
        store.audit(
            s,
            actor=admin,
            action="review.approve" if approved else "review.unapprove",
            conversation_id=conversation_id,
        )


def set_conversation_status(
    sessions: sessionmaker[Session], *, admin: str, conversation_id: int, status: str
) -> None:
    if status not in STATUS_VALUES:
        raise InvalidInput(f"status must be one of {', '.join(STATUS_VALUES)}")
    with transaction(sessions) as s:
        before = store.status_of(s, conversation_id=conversation_id)
        store.set_status(s, conversation_id=conversation_id, status=ConversationStatus(status))
        store.audit(
            s,
            actor=admin,
            action="review.status",
            conversation_id=conversation_id,
            detail={"status": status, "from": before.value if before is not None else None},
        )


def export_conversations(
    sessions: sessionmaker[Session], *, admin: str, approved_only: bool, file: str | None = None
) -> list[dict[str, Any]]:
    """The reviewed conversations as chat rows (what `supportbot train` reads), the export audited
    with who took it and where it went (``file``, when written to one)."""
    with transaction(sessions) as s:
        rows = store.training_conversations(s, approved_only=approved_only)
        detail: dict[str, Any] = {"conversations": len(rows), "approved_only": approved_only}
        if file is not None:
            detail["file"] = file[:200]
        store.audit(s, actor=admin, action="review.export", detail=detail)
    return rows
