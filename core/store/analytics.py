"""The numbers a support lead runs on, counted in the database: per day (UTC) and per model
version, what the bot resolved, what reached a human and why, CSAT, the customers' mood and 👍.

Four grouped queries (conversations, hand-over reasons, customer turns, votes); only the grouped
rows travel to Python, where they become additive ``Tally`` values. What each count means is
written on ``Tally``; ``usecases.analytics`` puts the period and the defaults around it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from core.models import (
    Conversation,
    ConversationStatus,
    Feedback,
    Message,
    Outcome,
    Role,
    Sentiment,
)
from core.store.conversation_stats import _day_of

SENTIMENTS = [s.value for s in Sentiment]
# A hand-over stored before conversations recorded why (or by a path that does not say).
UNRECORDED = "unrecorded"
# What the tallies are keyed by: a UTC day and the model version (None: no bot reply named one).
Key = tuple[date, str | None]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Tally:
    """Counts that add up across days and versions; the rates are worked out from them.

    Conversations count on the UTC day they started, under the model version of their last bot
    reply (that names a version). Customer turns (sentiment) count on their own day, votes on the
    day and version of the reply they rate.
    """

    conversations: int = 0
    bot_replied: int = 0  # the bot replied at least once
    # A human was involved: handed over, or an agent posted, claimed it, or the bot went quiet.
    reached_human: int = 0
    # Handed over: a hand-over reason or state, status escalated, or a reply with outcome handover.
    handed_over: int = 0
    deflected: int = 0  # the bot replied and no human was ever involved
    pending: int = 0  # the bot replied, but the conversation is younger than the window
    settled: int = 0  # the bot replied and the window has passed: resolution's denominator
    resolved: int = 0  # settled, and resolved by the bot (see usecases.analytics)
    csat_count: int = 0
    csat_sum: int = 0
    csat_good: int = 0  # rated 4 or 5
    reasons: dict[str, int] = field(default_factory=dict)  # hand-overs by reason
    sentiment: dict[str, int] = field(default_factory=dict)  # scored customer turns by label
    frustration_sum: float = 0.0
    frustration_count: int = 0
    up: int = 0
    down: int = 0

    def add(self, other: Tally) -> Tally:
        """Add ``other``'s counts into this one (returns self)."""
        for name in _SCALARS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.reasons, other.reasons), (self.sentiment, other.sentiment)):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n
        return self

    @property
    def resolution_rate(self) -> float | None:
        return _share(self.resolved, self.settled)

    @property
    def deflection_rate(self) -> float | None:
        return _share(self.deflected, self.conversations)

    @property
    def handover_rate(self) -> float | None:
        return _share(self.handed_over, self.conversations)

    @property
    def csat_mean(self) -> float | None:
        return self.csat_sum / self.csat_count if self.csat_count else None

    @property
    def csat_good_share(self) -> float | None:
        return _share(self.csat_good, self.csat_count)

    @property
    def scored_turns(self) -> int:
        return sum(self.sentiment.values())

    def sentiment_share(self, label: str) -> float | None:
        return _share(self.sentiment.get(label, 0), self.scored_turns)

    @property
    def mean_frustration(self) -> float | None:
        return self.frustration_sum / self.frustration_count if self.frustration_count else None

    @property
    def rated(self) -> int:
        return self.up + self.down

    @property
    def up_rate(self) -> float | None:
        return _share(self.up, self.rated)


_SCALARS = [
    "conversations",
    "bot_replied",
    "reached_human",
    "handed_over",
    "deflected",
    "pending",
    "settled",
    "resolved",
    "csat_count",
    "csat_sum",
    "csat_good",
    "frustration_sum",
    "frustration_count",
    "up",
    "down",
]


def _seconds_between(
    later: SQLColumnExpression[Any], earlier: SQLColumnExpression[Any], dialect: str
) -> ColumnElement[float]:
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier)  # type: ignore[return-value]
    # SQLite keeps datetimes as text; julianday reads them (fractions of a second included).
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _last_version(conversation_id: SQLColumnExpression[int]) -> ColumnElement[str | None]:
    """The model version of the conversation's last bot reply that names one."""
    reply = aliased(Message)
    return (
        select(reply.model_version)
        .where(
            reply.conversation_id == conversation_id,
            reply.role == Role.assistant,
            reply.model_version.is_not(None),
        )
        .order_by(reply.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _per_conversation(
    *, start: datetime, now: datetime, window: timedelta, reopen_after: timedelta, dialect: str
) -> Select:
    """One row per conversation started in [start, now]: its day, version and 0/1 facts."""
    c = Conversation
    m = aliased(Message)  # any message of the conversation
    turn = aliased(Message)  # a customer turn
    before = aliased(Message)  # a bot reply before that turn
    answer = aliased(Message)  # the bot's reply to that turn

    def any_message(*where: ColumnElement[bool]) -> ColumnElement[bool]:
        return select(m.id).where(m.conversation_id == c.id, *where).exists()

    replied = any_message(m.role == Role.assistant)
    handed = or_(
        c.handover_reason.is_not(None),
        c.handover.is_not(None),
        c.status == ConversationStatus.escalated,
        any_message(m.role == Role.assistant, m.outcome == Outcome.handover.value),
    )
    human = or_(
        handed,
        c.bot_quiet_since.is_not(None),
        c.agent_user.is_not(None),
        any_message(m.role == Role.agent),
    )
    voted_down = (
        select(Feedback.id)
        .join(m, m.id == Feedback.message_id)
        .where(m.conversation_id == c.id, Feedback.rating < 0)
        .exists()
    )
    in_window = _seconds_between(turn.created_at, c.created_at, dialect) <= window.total_seconds()
    previous_reply = (
        select(func.max(before.created_at))
        .where(
            before.conversation_id == turn.conversation_id, before.role == Role.assistant, before.id < turn.id
        )
        .scalar_subquery()
    )
    came_back = (
        select(turn.id)
        .where(
            turn.conversation_id == c.id,
            turn.role == Role.user,
            in_window,
            _seconds_between(turn.created_at, previous_reply, dialect) > reopen_after.total_seconds(),
        )
        .exists()
    )
    left_unanswered = (
        select(turn.id)
        .where(
            turn.conversation_id == c.id,
            turn.role == Role.user,
            in_window,
            ~select(answer.id).where(answer.reply_to_id == turn.id, answer.role == Role.assistant).exists(),
        )
        .exists()
    )
    settled = c.created_at <= now - window
    return select(
        _day_of(c.created_at, dialect).label("day"),
        _last_version(c.id).label("version"),
        _flag(replied).label("replied"),
        _flag(human).label("human"),
        _flag(handed).label("handed"),
        _flag(settled).label("settled"),
        _flag(or_(human, voted_down, came_back, left_unanswered)).label("unresolved"),
        c.csat.label("csat"),
        c.handover_reason.label("reason"),
    ).where(c.created_at >= start, c.created_at <= now)


def _int(value: object) -> int:
    return int(value or 0)  # type: ignore[call-overload]


def _conversation_counts(session: Session, facts: Select, tallies: dict[Key, Tally]) -> None:
    f = facts.subquery()
    replied_settled = and_(f.c.replied == 1, f.c.settled == 1)
    rows = session.execute(
        select(
            f.c.day,
            f.c.version,
            func.count(),
            func.sum(f.c.replied),
            func.sum(f.c.human),
            func.sum(f.c.handed),
            func.sum(_flag(and_(f.c.replied == 1, f.c.human == 0))),
            func.sum(_flag(and_(f.c.replied == 1, f.c.settled == 0))),
            func.sum(_flag(replied_settled)),
            func.sum(_flag(and_(replied_settled, f.c.unresolved == 0))),
            func.count(f.c.csat),
            func.sum(f.c.csat),
            func.sum(_flag(f.c.csat >= 4)),
        ).group_by(f.c.day, f.c.version)
    ).all()
    for day, version, *counts in rows:
        t = _tally(tallies, day, version)
        (
            t.conversations,
            t.bot_replied,
            t.reached_human,
            t.handed_over,
            t.deflected,
            t.pending,
            t.settled,
            t.resolved,
            t.csat_count,
            t.csat_sum,
            t.csat_good,
        ) = (_int(n) for n in counts)
    reasons = session.execute(
        select(f.c.day, f.c.version, f.c.reason, func.count())
        .where(f.c.handed == 1)
        .group_by(f.c.day, f.c.version, f.c.reason)
    ).all()
    for day, version, reason, n in reasons:
        _tally(tallies, day, version).reasons[UNRECORDED if reason is None else str(reason)] = _int(n)


def _turn_counts(
    session: Session, *, start: datetime, now: datetime, dialect: str, tallies: dict[Key, Tally]
) -> None:
    t = (
        select(
            _day_of(Message.created_at, dialect).label("day"),
            _last_version(Message.conversation_id).label("version"),
            Message.sentiment.label("sentiment"),
            Message.frustration.label("frustration"),
        )
        .where(Message.role == Role.user, Message.created_at >= start, Message.created_at <= now)
        .where(or_(Message.sentiment.is_not(None), Message.frustration.is_not(None)))
        .subquery()
    )
    rows = session.execute(
        select(
            t.c.day,
            t.c.version,
            t.c.sentiment,
            func.count(),
            func.sum(t.c.frustration),
            func.count(t.c.frustration),
        ).group_by(t.c.day, t.c.version, t.c.sentiment)
    ).all()
    for day, version, label, n, frustration, scored in rows:
        tally = _tally(tallies, day, version)
        if label is not None:
            tally.sentiment[str(label)] = tally.sentiment.get(str(label), 0) + _int(n)
        tally.frustration_sum += float(frustration or 0.0)
        tally.frustration_count += _int(scored)


def _vote_counts(
    session: Session, *, start: datetime, now: datetime, dialect: str, tallies: dict[Key, Tally]
) -> None:
    day = _day_of(Message.created_at, dialect).label("day")
    rows = session.execute(
        select(
            day,
            Message.model_version,
            func.sum(_flag(Feedback.rating > 0)),
            func.sum(_flag(Feedback.rating < 0)),
        )
        .join(Feedback, Feedback.message_id == Message.id)
        .where(
            Message.role == Role.assistant,
            Feedback.rating.is_not(None),
            Message.created_at >= start,
            Message.created_at <= now,
        )
        .group_by(day, Message.model_version)
    ).all()
    for d, version, up, down in rows:
        tally = _tally(tallies, d, version)
        tally.up, tally.down = _int(up), _int(down)


def _tally(tallies: dict[Key, Tally], day: object, version: object) -> Tally:
    key = (date.fromisoformat(str(day)[:10]), None if version is None else str(version))
    return tallies.setdefault(key, Tally())


def analytics_tallies(
    session: Session,
    *,
    start: datetime,
    now: datetime,
    window: timedelta,
    reopen_after: timedelta,
) -> dict[Key, Tally]:
    """Tallies by (UTC day, model version) of what happened between ``start`` and ``now``.

    ``window``: how long after its start a conversation is watched before it counts as resolved
    or not (younger ones are pending); ``reopen_after``: a customer turn this long after the bot's
    reply before it is the customer coming back (a quicker one is the same exchange going on).
    """
    dialect = session.get_bind().dialect.name
    tallies: dict[Key, Tally] = {}
    facts = _per_conversation(start=start, now=now, window=window, reopen_after=reopen_after, dialect=dialect)
    _conversation_counts(session, facts, tallies)
    _turn_counts(session, start=start, now=now, dialect=dialect, tallies=tallies)
    _vote_counts(session, start=start, now=now, dialect=dialect, tallies=tallies)
    return tallies


def total(tallies: Iterable[Tally]) -> Tally:
    out = Tally()
    for t in tallies:
        out.add(t)
    return out
