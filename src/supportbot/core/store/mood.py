"""Customer mood on stored turns, the topic of a question, and sentiment alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from supportbot.core.enums import Role, Sentiment
from supportbot.core.models import Message, SentimentAlert

ASKED_FOR_HUMAN = "asks_for_human"  # the key in a customer turn's details


def note_mood(
    session: Session,
    *,
    message_id: int,
    sentiment: Sentiment | None,
    frustration: float | None,
    asked_for_human: bool = False,
) -> None:
    """A customer turn's score (None: not scored) and whether it asked for a human in words."""
    message = session.get(Message, message_id)
    if message is None:
        return
    message.sentiment = sentiment.value if sentiment is not None else None
    message.frustration = frustration
    if asked_for_human:
        message.details = {**(message.details or {}), ASKED_FOR_HUMAN: True}
    session.flush()


def human_asks(session: Session, *, conversation_id: int) -> int:
    """How many of the conversation's customer turns asked for a human in words."""
    details = session.scalars(
        select(Message.details).where(
            Message.conversation_id == conversation_id,
            Message.role == Role.user,
            Message.details.is_not(None),
        )
    ).all()
    return sum(1 for d in details if isinstance(d, dict) and d.get(ASKED_FOR_HUMAN))


def set_topic(session: Session, *, message_id: int, topic: str | None) -> None:
    session.execute(update(Message).where(Message.id == message_id).values(topic=topic))


@dataclass(frozen=True)
class WindowMood:
    """Scored customer turns in a time window: how many, how many negative, and the topics of
    the negative ones (most frequent first; None: no topic known)."""

    scored: int
    negative: int
    negative_topics: list[tuple[str | None, int]]

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.scored if self.scored else None


def window_mood(session: Session, *, start: datetime, end: datetime) -> WindowMood:
    in_window = (
        Message.role == Role.user,
        Message.sentiment.is_not(None),
        Message.created_at >= start,
        Message.created_at < end,
    )
    scored = session.scalar(select(func.count(Message.id)).where(*in_window)) or 0
    rows = session.execute(
        select(Message.topic, func.count(Message.id))
        .where(*in_window, Message.sentiment == Sentiment.negative.value)
        .group_by(Message.topic)
    ).all()
    topics = sorted(((t, int(n)) for t, n in rows), key=lambda tn: (-tn[1], tn[0] or ""))
    return WindowMood(int(scored), sum(n for _, n in topics), topics)


def claim_alert(
    session: Session,
    *,
    window_start: datetime,
    topic: str,
    negative_share: float,
    baseline_share: float | None,
    messages: int,
    detail: dict[str, Any] | None = None,
) -> SentimentAlert | None:
    """The alert for this window and topic, new; None when it exists already (posted, or being
    posted by another replica)."""
    alert = SentimentAlert(
        window_start=window_start,
        topic=topic,
        negative_share=negative_share,
        baseline_share=baseline_share,
        messages=messages,
        detail=detail,
    )
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:
        return None
    return alert


def alerted_since(session: Session, *, topic: str, since: datetime) -> bool:
    """An alert about ``topic`` was raised since then."""
    found = session.scalar(
        select(SentimentAlert.id)
        .where(SentimentAlert.topic == topic, SentimentAlert.created_at >= since)
        .limit(1)
    )
    return found is not None


def note_alert_posted(session: Session, *, alert_id: int, channel: str, ts: str | None) -> None:
    session.execute(
        update(SentimentAlert).where(SentimentAlert.id == alert_id).values(slack_channel=channel, slack_ts=ts)
    )


def list_alerts(session: Session, *, limit: int = 50) -> list[SentimentAlert]:
    return list(session.scalars(select(SentimentAlert).order_by(SentimentAlert.id.desc()).limit(limit)).all())
