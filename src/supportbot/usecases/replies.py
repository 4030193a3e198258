"""A reply stored: its text, outcome, model, timings, sources and the Slack message showing it."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.usecases.decide import Decision
from supportbot.usecases.messages import Reply, Source, reason_of
from supportbot.usecases.model_client import Completion


def store_reply(
    sessions: sessionmaker[Session],
    question_id: int,
    conversation_id: int,
    *,
    decision: Decision,
    completion: Completion | None,
    sources: list[Source],
    details: dict[str, Any],
    latency_ms: int,
    shown_in: tuple[str, str] | None,
) -> Reply:
    """The reply stored with everything that explains it; where another replica answered this
    question first, that answer (it stands)."""
    confidence = (
        math.exp(completion.mean_logprob) if completion and completion.mean_logprob is not None else None
    )
    try:
        with transaction(sessions) as s:
            reply = store.record_reply(
                s,
                reply_to_id=question_id,
                text=decision.text,
                model=completion.model if completion else None,
                model_version=completion.version if completion else None,
                prompt_mode=completion.mode if completion else None,
                latency_ms=latency_ms,
                prompt_tokens=completion.prompt_tokens if completion else None,
                completion_tokens=completion.completion_tokens if completion else None,
                confidence=confidence,
                outcome=decision.outcome,
                details=details,
                hits=[store.Hit(src.ticket_id, src.external_id, src.score) for src in sources],
                slack_channel=shown_in[0] if shown_in else None,
                slack_ts=shown_in[1] if shown_in else None,
            )
            reply_id = reply.id
            if sources and sources[0].category:
                store.set_topic(s, message_id=question_id, topic=sources[0].category)
    except IntegrityError:
        # Another replica answered this question first: that answer stands.
        with sessions() as s:
            existing = store.reply_to(s, message_id=question_id)
            stored = store.find_message(s, message_id=question_id)
            assert existing is not None and stored is not None
            return Reply.stored(existing)
    return Reply(
        message_id=reply_id,
        question_id=question_id,
        conversation_id=conversation_id,
        text=decision.text,
        outcome=decision.outcome,
        sources=sources,
        confidence=confidence,
        model_version=completion.version if completion else None,
        latency_ms=latency_ms,
        reason=decision.reason,
        handover_reason=reason_of(details),
        related=tuple(details.get("related") or ()),
        unsent_draft=details.get("unsent_draft"),
    )
