"""The hand-over lifecycle of a conversation: waiting for a human, claimed, resolved, handed back.

The state lives on the conversation (``handover``: NULL while the bot is in charge), so it survives
restarts and every replica sees the same. A human other than the customer posting in the thread
makes the bot go quiet there (``bot_quiet_since``) until an agent hands it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from supportbot.core.enums import ConversationStatus, HandoverReason, HandoverState, Role
from supportbot.core.errors import Conflict, InvalidInput, NotFound
from supportbot.core.models import Conversation, Message, utcnow

CSAT_SCORES = range(1, 6)


@dataclass(frozen=True)
class SummaryTurns:
    """What a hand-over summary is made of: the customer's first question, the bot's last reply."""

    first_question: str | None
    last_reply: str | None
    last_outcome: str | None
    last_reason: str | None


def _conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"conversation {conversation_id} does not exist")
    return conversation


def mark_waiting(
    session: Session,
    *,
    conversation_id: int,
    summary: str | None,
    reason: HandoverReason | None = None,
) -> Conversation:
    """Hand the conversation to a human: waiting for one (escalated), with the agent's summary
    and why (``reason``; the first one stands: a later "Talk to a human" does not rewrite why the
    bot handed it over).

    A conversation an agent already holds stays theirs (a second "Talk to a human" changes
    nothing but the summary)."""
    conversation = _conversation(session, conversation_id)
    if reason is not None and conversation.handover_reason is None:
        conversation.handover_reason = reason.value
    if conversation.handover is not HandoverState.claimed:
        conversation.handover = HandoverState.waiting
    conversation.status = ConversationStatus.escalated
    conversation.handover_summary = summary
    conversation.updated_at = utcnow()
    session.flush()
    return conversation


def claim_handover(session: Session, *, conversation_id: int, agent: str) -> Conversation:
    """An agent takes a handed-over conversation; the same agent again is a no-op."""
    conversation = _conversation(session, conversation_id)
    if conversation.handover is None:
        raise Conflict(f"conversation {conversation_id} is not waiting for a human")
    if conversation.handover is HandoverState.resolved:
        raise Conflict(f"conversation {conversation_id} is resolved already")
    _not_the_customer(conversation, agent, "take")
    if conversation.handover is HandoverState.claimed and conversation.agent_user not in (None, agent):
        raise Conflict(f"conversation {conversation_id} is taken by {conversation.agent_user} already")
    conversation.handover = HandoverState.claimed
    conversation.agent_user = agent
    conversation.updated_at = utcnow()
    session.flush()
    return conversation


def _not_the_customer(conversation: Conversation, agent: str, what: str) -> None:
    """The hand-over's steps are the support team's: the customer's own buttons would let them
    wake the bot over the agent's head."""
    if conversation.slack_user is not None and agent == conversation.slack_user:
        raise InvalidInput(f"the customer cannot {what} their own conversation")


def resolve_handover(session: Session, *, conversation_id: int, agent: str) -> Conversation:
    """Close a handed-over conversation (status resolved); resolving it twice is a no-op."""
    conversation = _conversation(session, conversation_id)
    _not_the_customer(conversation, agent, "resolve")
    if conversation.handover is None:
        raise Conflict(f"conversation {conversation_id} is not handed over")
    if conversation.handover is not HandoverState.resolved:
        conversation.handover = HandoverState.resolved
        conversation.agent_user = conversation.agent_user or agent
        conversation.status = ConversationStatus.resolved
        conversation.updated_at = utcnow()
        session.flush()
    return conversation


def hand_back(session: Session, *, conversation_id: int, agent: str) -> Conversation:
    """The bot is in charge again: it answers the thread's next messages."""
    conversation = _conversation(session, conversation_id)
    _not_the_customer(conversation, agent, "hand back")
    conversation.handover = None
    conversation.bot_quiet_since = None
    if conversation.status is ConversationStatus.escalated:
        conversation.status = ConversationStatus.answered
    conversation.updated_at = utcnow()
    session.flush()
    return conversation


def record_csat(session: Session, *, conversation_id: int, user: str, score: int) -> Conversation:
    """The customer's 1–5 rating of a resolved conversation (a second one replaces the first)."""
    conversation = _conversation(session, conversation_id)
    if isinstance(score, bool) or not isinstance(score, int) or score not in CSAT_SCORES:
        raise InvalidInput(f"a rating is a whole number from 1 to 5, not {score!r}")
    if conversation.slack_user is None or user != conversation.slack_user:
        raise InvalidInput("only the customer of the conversation rates it")
    if conversation.handover is not HandoverState.resolved:
        raise Conflict(f"conversation {conversation_id} is not resolved")
    conversation.csat = score
    conversation.updated_at = utcnow()
    session.flush()
    return conversation


def note_human_joined(session: Session, *, conversation_id: int, user: str) -> bool:
    """A human other than the customer posted in the thread: the bot goes quiet there, and that
    human is the agent unless one is named already. True when the bot went quiet just now."""
    conversation = _conversation(session, conversation_id)
    if user == conversation.slack_user:
        return False
    conversation.agent_user = conversation.agent_user or user
    went_quiet = conversation.bot_quiet_since is None
    if went_quiet:
        conversation.bot_quiet_since = utcnow()
    conversation.updated_at = utcnow()
    session.flush()
    return went_quiet


def bot_may_answer(session: Session, *, conversation_id: int) -> bool:
    """Whether the bot answers in this conversation now: no human has joined it and no agent
    holds it. A conversation that does not exist (yet) is the bot's."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        return True
    return conversation.bot_quiet_since is None and conversation.handover is not HandoverState.claimed


def summary_turns(session: Session, *, conversation_id: int) -> SummaryTurns:
    """The customer's first question and the bot's last reply (with its outcome and reason)."""
    first = session.scalars(
        select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.role == Role.user)
        .order_by(Message.id)
        .limit(1)
    ).first()
    last = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.role == Role.assistant)
        .order_by(Message.id.desc())
        .limit(1)
    ).first()
    reason = (last.details or {}).get("reason") if last is not None else None
    return SummaryTurns(
        first_question=first,
        last_reply=last.text if last is not None else None,
        last_outcome=last.outcome if last is not None else None,
        last_reason=reason if isinstance(reason, str) else None,
    )


def set_handover_request(session: Session, *, conversation_id: int, channel: str, ts: str) -> Conversation:
    """Where the conversation's hand-over request was posted for the support team (the support
    channel's message): its thread is where the agents' replies are relayed from."""
    conversation = _conversation(session, conversation_id)
    conversation.handover_channel = channel
    conversation.handover_ts = ts
    conversation.updated_at = utcnow()
    session.flush()
    return conversation


def conversation_by_request(session: Session, *, channel: str, ts: str) -> Conversation | None:
    """The conversation whose hand-over request is the message (channel, ts), if any."""
    return session.scalars(
        select(Conversation).where(Conversation.handover_channel == channel, Conversation.handover_ts == ts)
    ).first()


def open_request(conversation: Conversation) -> tuple[str, str] | None:
    """(channel, ts) of the request of a hand-over still open (waiting for a person or held by
    one); None once it is resolved or handed back, or when it was posted nowhere apart."""
    if conversation.handover not in (HandoverState.waiting, HandoverState.claimed):
        return None
    if not conversation.handover_channel or not conversation.handover_ts:
        return None
    return conversation.handover_channel, conversation.handover_ts
