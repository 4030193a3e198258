"""Conversation statistics: conversations per day by status, totals, 👍 rate per model version,
today's volume and hand-over rate.

Each is one or two grouped queries (no rows travel to Python).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from supportbot.core.enums import ConversationStatus, Role
from supportbot.core.models import Conversation, Feedback, Message

_STATUSES = [s.value for s in ConversationStatus]


@dataclass(frozen=True)
class DayCounts:
    day: date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class VersionRating:
    version: str
    up: int
    down: int

    @property
    def rated(self) -> int:
        return self.up + self.down

    @property
    def up_rate(self) -> float | None:
        return self.up / self.rated if self.rated else None


def _day_of(column: InstrumentedAttribute[datetime], dialect: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    # SQLite keeps UTC datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' text: the date is the prefix.
    return func.substr(column, 1, 10)


def conversations_per_day(
    session: Session, *, days: int = 30, now: datetime | None = None
) -> list[DayCounts]:
    """The last ``days`` days (today included, UTC), oldest first, days without any as zeros."""
    now = now or datetime.now(UTC)
    first = (now - timedelta(days=days - 1)).date()
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    day = _day_of(Conversation.created_at, session.get_bind().dialect.name).label("day")
    rows = session.execute(
        select(day, Conversation.status, func.count())
        .where(Conversation.created_at >= start)
        .group_by(day, Conversation.status)
    ).all()
    by_day: dict[str, dict[str, int]] = {}
    for d, status, n in rows:
        by_day.setdefault(str(d), {})[ConversationStatus(status).value] = int(n)
    out = []
    for i in range(days):
        current = first + timedelta(days=i)
        counts = by_day.get(current.isoformat(), {})
        out.append(DayCounts(current, {s: counts.get(s, 0) for s in _STATUSES}))
    return out


def status_totals(session: Session) -> dict[str, int]:
    rows = session.execute(select(Conversation.status, func.count()).group_by(Conversation.status)).all()
    found = {ConversationStatus(s).value: int(n) for s, n in rows}
    return {s: found.get(s, 0) for s in _STATUSES}


def approved_total(session: Session) -> int:
    return session.scalar(select(func.count()).where(Conversation.approved_for_training.is_(True))) or 0


def rating_by_version(session: Session) -> list[VersionRating]:
    """👍 and 👎 on replies, by the model version that wrote them (most rated first)."""
    up = func.sum(case((Feedback.rating > 0, 1), else_=0))
    down = func.sum(case((Feedback.rating < 0, 1), else_=0))
    rows = session.execute(
        select(Message.model_version, up, down)
        .join(Feedback, Feedback.message_id == Message.id)
        .where(Feedback.rating.is_not(None), Message.model_version.is_not(None))
        .group_by(Message.model_version)
    ).all()
    ratings = [VersionRating(str(v), int(u or 0), int(d or 0)) for v, u, d in rows]
    return sorted(ratings, key=lambda r: (-r.rated, r.version))


@dataclass(frozen=True)
class Volume:
    """Traffic since a moment: questions asked, the conversations they were in, how many of
    those are in a human's hands (handed over, or escalated by the gate)."""

    questions: int
    conversations: int
    handed_over: int

    @property
    def handover_rate(self) -> float | None:
        return self.handed_over / self.conversations if self.conversations else None


def volume_since(session: Session, *, since: datetime) -> Volume:
    """Questions since ``since`` and the share of their conversations handed over (two queries)."""
    questions = session.scalar(
        select(func.count(Message.id)).where(Message.role == Role.user, Message.created_at >= since)
    )
    active = (
        select(Message.conversation_id)
        .where(Message.role == Role.user, Message.created_at >= since)
        .distinct()
        .subquery()
    )
    handed = case(
        (
            (Conversation.handover.is_not(None)) | (Conversation.status == ConversationStatus.escalated),
            1,
        ),
        else_=0,
    )
    conversations, handed_over = session.execute(
        select(func.count(Conversation.id), func.sum(handed)).join(
            active, active.c.conversation_id == Conversation.id
        )
    ).one()
    return Volume(int(questions or 0), int(conversations or 0), int(handed_over or 0))
