"""SQLAlchemy 2 typed models. Only Alembic creates or changes these tables."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from supportbot.core.enums import (
    ActionState,
    AnswerMode,
    ConversationStatus,
    HandoverState,
    JobStatus,
    ModelStatus,
    PromptMode,
    Role,
)

# Named constraints so migrations are stable across SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite hands back naive ones otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: no PostgreSQL enum types to migrate.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("source", "slack_team", "slack_channel", "slack_thread_ts"),
        Index("ix_conversations_channel_updated", "slack_channel", "updated_at"),
        Index("ix_conversations_status_updated", "status", "updated_at"),
        Index("ix_conversations_rating_updated", "rating", "updated_at"),
        Index("ix_conversations_handover_request", "handover_channel", "handover_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16), default="slack")  # slack | local
    slack_team: Mapped[str | None] = mapped_column(String(32))
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_thread_ts: Mapped[str | None] = mapped_column(String(32))
    slack_user: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[ConversationStatus] = mapped_column(
        _enum(ConversationStatus, "conversation_status"), default=ConversationStatus.open
    )
    # Latest 👍/👎 on any reply of the conversation, kept here so the review list filters on an index.
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    approved_for_training: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    # The hand-over lifecycle (NULL: the bot is in charge), kept here so it survives restarts.
    handover: Mapped[HandoverState | None] = mapped_column(_enum(HandoverState, "handover_state"))
    # The Slack user who claimed the conversation, or the first human other than the customer there.
    agent_user: Mapped[str | None] = mapped_column(String(32))
    # Set when a human other than the customer posts in the thread: the bot stays quiet from then on.
    bot_quiet_since: Mapped[datetime | None] = mapped_column()
    # The customer's 1–5 rating once resolved.
    csat: Mapped[int | None] = mapped_column(SmallInteger)
    # The two lines shown to the agent on a hand-over (redacted text only).
    handover_summary: Mapped[str | None] = mapped_column(Text)
    # Why it was handed over (HandoverReason; NULL: never handed over).
    handover_reason: Mapped[str | None] = mapped_column(String(32))
    # Where the hand-over request was posted for the support team (its thread relays both ways).
    handover_channel: Mapped[str | None] = mapped_column(String(32))
    handover_ts: Mapped[str | None] = mapped_column(String(32))

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # The same Slack message delivered twice (as app_mention and as message) has two event
        # ids but one channel+ts: both keys make the second delivery a no-op.
        UniqueConstraint("slack_channel", "slack_ts"),
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        Index("ix_messages_role_created_at", "role", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(_enum(Role, "message_role"))
    # Always the redacted text (core.pii): placeholders instead of cards, e-mails, phones, IBANs.
    text: Mapped[str] = mapped_column(Text)
    # Only with SUPPORTBOT_ORIGINALS_KEY set: what the customer typed, encrypted (core.originals).
    original_encrypted: Mapped[str | None] = mapped_column(Text)
    slack_user: Mapped[str | None] = mapped_column(String(32))
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    slack_event_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # For a reply: the user turn it answers. Unique, so a question is answered at most once.
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), unique=True
    )
    model: Mapped[str | None] = mapped_column(String(200))
    model_version: Mapped[str | None] = mapped_column(String(64), index=True)
    prompt_mode: Mapped[PromptMode | None] = mapped_column(_enum(PromptMode, "prompt_mode"))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)
    # How the reply came about: "model", "fallback" (best ticket, model down), "handover".
    outcome: Mapped[str | None] = mapped_column(String(16))
    # Grounding-guard interventions and other notes on how the reply was made.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A customer turn's mood (Sentiment) and frustration in [0, 1], scored as it arrives.
    sentiment: Mapped[str | None] = mapped_column(String(16))
    frustration: Mapped[float | None] = mapped_column(Float)
    # A question's topic: the category of its closest ticket, set when it is answered.
    topic: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    hits: Mapped[list[RetrievalHit]] = relationship(
        back_populates="message", order_by="RetrievalHit.rank", cascade="all, delete-orphan"
    )
    feedback: Mapped[list[Feedback]] = relationship(
        back_populates="message", order_by="Feedback.id", cascade="all, delete-orphan"
    )


class RetrievalHit(Base):
    __tablename__ = "retrieval_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    # The ticket's external id at answer time, kept should the ticket be deleted later.
    ticket_external_id: Mapped[str | None] = mapped_column(String(128))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)

    message: Mapped[Message] = relationship(back_populates="hits")


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    user: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int | None] = mapped_column(SmallInteger, index=True)  # +1 / -1 / None (comment only)
    comment: Mapped[str | None] = mapped_column(Text)
    corrected_answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[Message] = relationship(back_populates="feedback")


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    question: Mapped[str] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(32), default="import")
    # Hash of what is embedded: an update that changes it must re-embed the ticket.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ModelVersion(Base):
    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    base_model: Mapped[str] = mapped_column(String(500))
    adapter_path: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[ModelStatus] = mapped_column(
        _enum(ModelStatus, "model_status"), default=ModelStatus.candidate, index=True
    )
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("training_jobs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column()


class TrainingJob(Base):
    __tablename__ = "training_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus, "job_status"), default=JobStatus.queued)
    kind: Mapped[str] = mapped_column(String(32), default="finetune")
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str | None] = mapped_column(String(64))
    # Where to tell the requester the job ended (e.g. a Slack channel), if anywhere.
    notify: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    worker_id: Mapped[str | None] = mapped_column(String(128))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_training_jobs_status_id", "status", "id"),)


class ChannelSettings(Base):
    """How the bot behaves in one Slack channel, set by admins (no row: the defaults)."""

    __tablename__ = "channel_settings"
    __table_args__ = (UniqueConstraint("team", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    answer_mode: Mapped[AnswerMode] = mapped_column(
        _enum(AnswerMode, "answer_mode"), default=AnswerMode.mentions
    )
    # Ticket categories retrieval searches for this channel; empty: all of them.
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The Slack user group tagged on a hand-over; NULL: SUPPORTBOT_SUPPORT_GROUP_ID.
    handover_group: Mapped[str | None] = mapped_column(String(32))
    # Answers are ephemeral to the asker, with a button to share them.
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class AuditEntry(Base):
    """Who did what, when: every admin action (review, promote, rollback, retrain)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SentimentAlert(Base):
    """An alert posted when negative messages surged: one per window and topic (the unique key
    makes a second replica's attempt a no-op)."""

    __tablename__ = "sentiment_alerts"
    __table_args__ = (UniqueConstraint("window_start", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window_start: Mapped[datetime] = mapped_column()
    topic: Mapped[str] = mapped_column(String(64))
    negative_share: Mapped[float] = mapped_column(Float)
    baseline_share: Mapped[float | None] = mapped_column(Float)
    messages: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActionCall(Base):
    """One call of a team's declared action (usecases.actions): asked for, approved or cancelled,
    run at most once. Its parameters are kept redacted; the values themselves only sealed with the
    originals key (and only when redaction changed them)."""

    __tablename__ = "action_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    # The customer's turn that asked for it.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    risk: Mapped[str] = mapped_column(String(16))  # read | write | irreversible
    state: Mapped[ActionState] = mapped_column(_enum(ActionState, "action_state"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    params_sealed: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    # An irreversible call put to the support channel (bot.support_channel): the message whose
    # Approve / Cancel alone count for it.
    approval_channel: Mapped[str | None] = mapped_column(String(32))
    approval_ts: Mapped[str | None] = mapped_column(String(32))
    http_status: Mapped[int | None] = mapped_column(Integer)
    # Why it failed (refused host, timeout, HTTP status, bad JSON), in words.
    error: Mapped[str | None] = mapped_column(Text)
    # What the customer was told from its result.
    answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
