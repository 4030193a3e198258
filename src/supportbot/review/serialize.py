"""Conversations as plain JSON-ready dicts: one shape for `history --json` and the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from supportbot.core.enums import Rating
from supportbot.core.models import AuditEntry, Conversation, Feedback, Message, RetrievalHit
from supportbot.core.store import ConversationRow

LIST_KEYS = (
    "id",
    "channel",
    "user",
    "status",
    "rating",
    "approved",
    "created_at",
    "updated_at",
    "messages",
    "first_question",
    "model_version",
)


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def rating_name(value: int | None) -> str | None:
    """A stored +1 / -1 by name ("up" / "down"); None when not rated."""
    rating = Rating.of_score(value)
    return rating.value if rating is not None else None


def row_dict(row: ConversationRow) -> dict[str, Any]:
    """One line of the list, with exactly the keys of ``LIST_KEYS``."""
    return {
        "id": row.id,
        "channel": row.channel,
        "user": row.user,
        "status": row.status,
        "rating": rating_name(row.rating),
        "approved": row.approved,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "messages": row.messages,
        "first_question": row.first_question,
        "model_version": row.model_version,
    }


def hit_dict(hit: RetrievalHit) -> dict[str, Any]:
    return {
        "rank": hit.rank,
        "ticket": hit.ticket_external_id,
        "ticket_id": hit.ticket_id,
        "score": hit.score,
    }


def feedback_dict(feedback: Feedback) -> dict[str, Any]:
    return {
        "id": feedback.id,
        "user": feedback.user,
        "rating": rating_name(feedback.rating),
        "comment": feedback.comment,
        "corrected_answer": feedback.corrected_answer,
        "created_at": iso(feedback.created_at),
    }


def message_dict(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "role": message.role.value,
        "text": message.text,
        "created_at": iso(message.created_at),
        "user": message.slack_user,
        "reply_to": message.reply_to_id,
        "model": message.model,
        "model_version": message.model_version,
        "prompt_mode": message.prompt_mode.value if message.prompt_mode else None,
        "latency_ms": message.latency_ms,
        "prompt_tokens": message.prompt_tokens,
        "completion_tokens": message.completion_tokens,
        "confidence": message.confidence,
        "outcome": message.outcome,
        "details": message.details,
        "hits": [hit_dict(h) for h in message.hits],
        "feedback": [feedback_dict(f) for f in message.feedback],
    }


def audit_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "actor": entry.actor,
        "action": entry.action,
        "message_id": entry.message_id,
        "detail": entry.detail,
        "created_at": iso(entry.created_at),
    }


def conversation_dict(conversation: Conversation, audit: list[AuditEntry]) -> dict[str, Any]:
    """The whole conversation: its messages (with hits and feedback) and its audit trail, oldest first."""
    return {
        "id": conversation.id,
        "source": conversation.source,
        "channel": conversation.slack_channel or None,
        "thread": conversation.slack_thread_ts or None,
        "user": conversation.slack_user,
        "status": conversation.status.value,
        "rating": rating_name(conversation.rating),
        "approved": conversation.approved_for_training,
        "created_at": iso(conversation.created_at),
        "updated_at": iso(conversation.updated_at),
        "messages": [message_dict(m) for m in conversation.messages],
        "audit": [audit_dict(e) for e in sorted(audit, key=lambda e: e.id)],
    }
