"""The plain data the answer use case takes and gives: no Slack, no HTTP, no ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field

from supportbot.core.enums import HandoverReason, Outcome
from supportbot.core.models import Message


@dataclass(frozen=True)
class Incoming:
    """A customer's message, as plain data (the listener strips everything Slack-specific)."""

    text: str
    source: str = "slack"
    team: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    user: str | None = None
    ts: str | None = None
    event_id: str | None = None
    # Only when a team keeps originals (core.originals): the sealed text as typed. ``text`` is
    # always redacted.
    original_encrypted: str | None = None


@dataclass(frozen=True)
class Source:
    """A retrieved past ticket, as shown under the answer and given to the model."""

    ticket_id: int | None
    external_id: str
    score: float
    question: str
    resolution: str
    category: str | None = None


TEAM = "team"  # who approves an action's call put to the support channel (``Reply.approval_by``)


@dataclass
class Reply:
    message_id: int
    question_id: int
    conversation_id: int
    text: str
    outcome: Outcome
    sources: list[Source] = field(default_factory=list)
    confidence: float | None = None
    model_version: str | None = None
    latency_ms: int = 0
    reason: str | None = None
    # With a hand-over: why (None: not a hand-over, or from before reasons were kept).
    handover_reason: HandoverReason | None = None
    # The customer is offered a person at once (frustrated, or asked for one in words).
    offer_human: bool = False
    # Other solved questions the customer may pick instead (usecases.related); none on a hand-over.
    related: tuple[str, ...] = ()
    # A declared action waiting for its approval (usecases.actions): its call's id, and who may
    # approve it ("customer": a write; "agent": an irreversible one, an admin; "team": one put to
    # the support channel, whose request has the buttons).
    approval: int | None = None
    approval_by: str | None = None
    # The model's draft when the checks did not send it (redacted as the model saw the question):
    # for the review and the evaluation of the checks (usecases.decide).
    unsent_draft: str | None = None

    @property
    def escalated(self) -> bool:
        return self.outcome.escalates

    @property
    def approval_here(self) -> int | None:
        """The call whose Approve / Cancel go under this reply (None: none, or the support
        team approves it in the support channel)."""
        return self.approval if self.approval_by != TEAM else None

    @classmethod
    def stored(cls, reply: Message) -> Reply:
        """A stored reply as it was sent (its sources by id and score)."""
        details = reply.details or {}
        return cls(
            message_id=reply.id,
            question_id=reply.reply_to_id or 0,
            conversation_id=reply.conversation_id,
            text=reply.text,
            outcome=Outcome(reply.outcome or Outcome.model),
            sources=[Source(h.ticket_id, h.ticket_external_id or "?", h.score, "", "") for h in reply.hits],
            confidence=reply.confidence,
            model_version=reply.model_version,
            latency_ms=reply.latency_ms or 0,
            reason=details.get("reason"),
            handover_reason=reason_of(details),
            related=tuple(str(q) for q in details.get("related") or ()),
            approval=details.get("action_call") if details.get("approval_by") else None,
            approval_by=details.get("approval_by"),
            unsent_draft=details.get("unsent_draft"),
        )


def reason_of(details: dict[str, object] | None) -> HandoverReason | None:
    value = (details or {}).get("handover_reason")
    return HandoverReason(value) if isinstance(value, str) and value in HandoverReason.__members__ else None
