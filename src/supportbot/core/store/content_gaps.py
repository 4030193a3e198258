"""What the content-gap report reads: the customer questions the bot could not serve (its reply
handed over, or got a 👎), and what agents answered in those conversations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from supportbot.core.enums import Outcome, Role
from supportbot.core.models import Conversation, Feedback, Message


@dataclass(frozen=True)
class GapQuestion:
    message_id: int
    conversation_id: int
    text: str  # redacted, as stored
    handed_over: bool  # the reply handed over (else: it got a 👎)
    topic: str | None


@dataclass(frozen=True)
class AgentAnswer:
    message_id: int
    conversation_id: int
    text: str
    csat: int | None  # the conversation's CSAT


def gap_questions(session: Session, *, since: datetime, until: datetime, limit: int) -> list[GapQuestion]:
    """Customer turns answered between ``since`` and ``until`` whose reply was a hand-over or got
    a 👎, newest first, at most ``limit``."""
    question, reply = aliased(Message), aliased(Message)
    voted_down = select(Feedback.id).where(Feedback.message_id == reply.id, Feedback.rating < 0).exists()
    handed = reply.outcome == Outcome.handover.value
    rows = session.execute(
        select(question.id, question.conversation_id, question.text, handed, question.topic)
        .join(reply, reply.reply_to_id == question.id)
        .where(
            question.role == Role.user,
            reply.role == Role.assistant,
            reply.created_at >= since,
            reply.created_at <= until,
            handed | voted_down,
        )
        .order_by(question.id.desc())
        .limit(limit)
    ).all()
    return [GapQuestion(int(i), int(c), str(t), bool(h), p) for i, c, t, h, p in rows]


def agent_answers(session: Session, *, conversation_ids: Sequence[int]) -> list[AgentAnswer]:
    """Every agent-role message of these conversations, with the conversation's CSAT, in order."""
    if not conversation_ids:
        return []
    rows = session.execute(
        select(Message.id, Message.conversation_id, Message.text, Conversation.csat)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.role == Role.agent, Message.conversation_id.in_(list(conversation_ids)))
        .order_by(Message.id)
    ).all()
    return [AgentAnswer(int(i), int(c), str(t), s) for i, c, t, s in rows]
