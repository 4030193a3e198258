"""The domain's closed vocabularies (statuses, roles, outcomes, reasons), stored as plain strings
by the tables in core.models."""

from __future__ import annotations

import enum


class ConversationStatus(enum.StrEnum):
    open = "open"
    answered = "answered"
    escalated = "escalated"
    resolved = "resolved"


class Rating(enum.StrEnum):
    """A 👍 or 👎 by name; ``rating`` columns keep it as +1 / -1 (NULL: not rated)."""

    up = "up"
    down = "down"

    @property
    def score(self) -> int:
        return 1 if self is Rating.up else -1

    @classmethod
    def of_score(cls, score: int | None) -> Rating | None:
        if score is None:
            return None
        return cls.up if score > 0 else cls.down


class Role(enum.StrEnum):
    user = "user"
    assistant = "assistant"
    agent = "agent"


class PromptMode(enum.StrEnum):
    chat = "chat"
    completion = "completion"


class Outcome(enum.StrEnum):
    """How an answer was made: the model's draft, the best past ticket instead, or a hand-over."""

    model = "model"
    fallback = "fallback"
    handover = "handover"
    action = "action"  # a declared action: its answer, a question for its parameter, or its approval

    @property
    def escalates(self) -> bool:
        """A hand-over puts the conversation in front of a human; nothing else does."""
        return self is Outcome.handover


class HandoverState(enum.StrEnum):
    """Where a handed-over conversation stands; NULL on the conversation: the bot is in charge."""

    waiting = "waiting"  # handed over, no agent has taken it yet
    claimed = "claimed"  # an agent took it
    resolved = "resolved"  # the agent closed it


class Sentiment(enum.StrEnum):
    """How a customer's message reads."""

    negative = "negative"
    neutral = "neutral"
    positive = "positive"


class HandoverReason(enum.StrEnum):
    """Why a conversation went to a human."""

    asked = "asked"  # the customer clicked "Talk to a human"
    repeated_ask = "repeated_ask"  # the customer asked for a human a second time, in words
    gate = "gate"  # the bot was not sure enough of its answer
    frustration = "frustration"  # the customer's frustration passed the threshold
    topic = "topic"  # a topic that always goes to a human (legal, security, …)


class AnswerMode(enum.StrEnum):
    """Which new messages of a channel the bot answers (threads it takes part in: always)."""

    all = "all"
    mentions = "mentions"


class ModelStatus(enum.StrEnum):
    candidate = "candidate"
    active = "active"
    retired = "retired"


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class ActionState(enum.StrEnum):
    """Where one call of a declared action stands (usecases.actions)."""

    pending = "pending"  # waiting for its approval (write, irreversible)
    running = "running"  # approved (or a read): being called, exactly once
    done = "done"  # the service answered with a 2xx and the answer was written from it
    failed = "failed"  # refused, timed out, non-2xx, bad JSON: handed over
    cancelled = "cancelled"  # the customer (or an admin) said no: never called
