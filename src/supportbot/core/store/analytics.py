"""The numbers a support lead runs on, counted in the database: per day (UTC) and per model
version, what the bot resolved, what reached a human and why, CSAT, the customers' mood and 👍.

Three grouped queries (conversations with their hand-over reasons, customer turns, votes); only
the grouped rows travel to Python, where they become additive ``Tally`` values. What each count
means is written on ``Tally`` (``analytics_tally``); ``usecases.analytics`` puts the period and the
defaults around it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from supportbot.core.enums import ConversationStatus, Outcome, Role
from supportbot.core.models import Conversation, Feedback, Message
from supportbot.core.store.analytics_tally import UNRECORDED, Tally
from supportbot.core.store.conversation_stats import _day_of

# What the tallies are keyed by: a UTC day and the model version (None: no bot reply named one).
Key = tuple[date, str | None]


def _seconds_between(
    later: SQLColumnExpression[Any], earlier: SQLColumnExpression[Any], dialect: str
) -> ColumnElement[float]:
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier)  # type: ignore[return-value]
    # SQLite keeps datetimes as text; julianday reads them (fractions of a second included).
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _last_versions(conversation_ids: Select) -> Select:
    """(conversation_id, version): the model version of each conversation's last bot reply that
    names one, for the conversations ``conversation_ids`` selects (one grouped pass, no per-row
    subquery)."""
    reply, named = aliased(Message), aliased(Message)
    last = (
        select(reply.conversation_id.label("conversation_id"), func.max(reply.id).label("last_id"))
        .where(
            reply.role == Role.assistant,
            reply.model_version.is_not(None),
            reply.conversation_id.in_(conversation_ids),
        )
        .group_by(reply.conversation_id)
        .subquery()
    )
    return select(last.c.conversation_id, named.model_version.label("version")).join(
        named, named.id == last.c.last_id
    )


def _message_facts(conv: Any, *, window: timedelta, reopen_after: timedelta, dialect: str) -> Select:
    """Per conversation of ``conv``, 0/1 facts of its messages: the bot replied, a reply handed
    over, an agent posted, the customer came back within the window, a turn went unanswered."""
    m, answer = aliased(Message), aliased(Message)
    # The latest bot reply before each message, along the conversation (one window pass).
    previous_reply = func.max(case((m.role == Role.assistant, m.created_at))).over(
        partition_by=m.conversation_id, order_by=m.id, rows=(None, -1)
    )
    turns = (
        select(
            m.id,
            m.conversation_id,
            m.role,
            m.outcome,
            m.created_at,
            conv.c.created_at.label("started"),
            previous_reply.label("previous_reply"),
        )
        .join(conv, conv.c.id == m.conversation_id)
        .subquery()
    )
    t = turns.c
    customer_in_window = and_(
        t.role == Role.user,
        _seconds_between(t.created_at, t.started, dialect) <= window.total_seconds(),
    )
    came_back = and_(
        customer_in_window,
        _seconds_between(t.created_at, t.previous_reply, dialect) > reopen_after.total_seconds(),
    )
    return (
        select(
            t.conversation_id,
            func.max(_flag(t.role == Role.assistant)).label("replied"),
            func.max(_flag(and_(t.role == Role.assistant, t.outcome == Outcome.handover.value))).label(
                "handover_reply"
            ),
            func.max(_flag(t.role == Role.agent)).label("agent"),
            func.max(_flag(came_back)).label("came_back"),
            func.max(_flag(and_(customer_in_window, answer.id.is_(None)))).label("unanswered"),
        )
        .outerjoin(answer, and_(answer.reply_to_id == t.id, answer.role == Role.assistant))
        .group_by(t.conversation_id)
    )


def _per_conversation(
    *, start: datetime, now: datetime, window: timedelta, reopen_after: timedelta, dialect: str
) -> Select:
    """One row per conversation started in [start, now]: its day, version and 0/1 facts.

    Set-based: the conversations, a grouped pass over their messages, their 👎 and their last
    versions are joined once (correlated subqueries per conversation took 7.7 s on PostgreSQL at
    20,000 conversations, against 0.4-1 s so)."""
    c = Conversation
    in_period = and_(c.created_at >= start, c.created_at <= now)
    conv = select(c.id, c.created_at).where(in_period).subquery()
    ids = select(conv.c.id)
    facts = _message_facts(conv, window=window, reopen_after=reopen_after, dialect=dialect).subquery()
    voted = aliased(Message)
    down = (
        select(voted.conversation_id.label("conversation_id"))
        .join(Feedback, Feedback.message_id == voted.id)
        .where(Feedback.rating < 0, voted.conversation_id.in_(ids))
        .group_by(voted.conversation_id)
        .subquery()
    )
    versions = _last_versions(ids).subquery()

    def fact(column: Any) -> ColumnElement[bool]:
        return func.coalesce(column, 0) == 1

    handed = or_(
        c.handover_reason.is_not(None),
        c.handover.is_not(None),
        c.status == ConversationStatus.escalated,
        fact(facts.c.handover_reply),
    )
    human = or_(handed, c.bot_quiet_since.is_not(None), c.agent_user.is_not(None), fact(facts.c.agent))
    unresolved = or_(
        human, down.c.conversation_id.is_not(None), fact(facts.c.came_back), fact(facts.c.unanswered)
    )
    return (
        select(
            _day_of(c.created_at, dialect).label("day"),
            versions.c.version,
            _flag(fact(facts.c.replied)).label("replied"),
            _flag(human).label("human"),
            _flag(handed).label("handed"),
            _flag(c.created_at <= now - window).label("settled"),
            _flag(unresolved).label("unresolved"),
            c.csat.label("csat"),
            c.handover_reason.label("reason"),
        )
        .outerjoin(facts, facts.c.conversation_id == c.id)
        .outerjoin(down, down.c.conversation_id == c.id)
        .outerjoin(versions, versions.c.conversation_id == c.id)
        .where(in_period)
    )


def _int(value: object) -> int:
    return int(value or 0)  # type: ignore[call-overload]


def _materialized(stmt: Select, name: str) -> Any:
    """``stmt`` as a CTE computed once. SQLite otherwise flattens a joined, grouped subquery into
    the outer GROUP BY and re-plans it badly: 30 s instead of 0.7 s at 20,000 conversations.
    (``AS MATERIALIZED``: SQLite 3.35+, PostgreSQL 12+.)"""
    return stmt.cte(name).prefix_with("MATERIALIZED")


def _conversation_counts(session: Session, facts: Select, tallies: dict[Key, Tally]) -> None:
    f = _materialized(facts, "conversation_facts")
    replied_settled = and_(f.c.replied == 1, f.c.settled == 1)
    # Grouped by the reason too: a reason implies a hand-over, so each group's hand-overs are
    # that reason's (or, without one, unrecorded ones).
    rows = session.execute(
        select(
            f.c.day,
            f.c.version,
            f.c.reason,
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
        ).group_by(f.c.day, f.c.version, f.c.reason)
    ).all()
    for day, version, reason, *counts in rows:
        group = Tally()
        (
            group.conversations,
            group.bot_replied,
            group.reached_human,
            group.handed_over,
            group.deflected,
            group.pending,
            group.settled,
            group.resolved,
            group.csat_count,
            group.csat_sum,
            group.csat_good,
        ) = (_int(n) for n in counts)
        if group.handed_over:
            group.reasons[UNRECORDED if reason is None else str(reason)] = group.handed_over
        _tally(tallies, day, version).add(group)


def _last_version(conversation_id: SQLColumnExpression[int]) -> ColumnElement[str | None]:
    """The model version of the conversation's last bot reply that names one, per row: along the
    (conversation, id) index. (Joined to a grouped version table instead, SQLite's planner, without
    ANALYZE statistics, scanned that table once per customer turn.)"""
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
        .where(
            Message.role == Role.user,
            Message.created_at >= start,
            Message.created_at <= now,
            or_(Message.sentiment.is_not(None), Message.frustration.is_not(None)),
        )
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
    for day, version, label, n, frustration, counted in rows:
        tally = _tally(tallies, day, version)
        if label is not None:
            tally.sentiment[str(label)] = tally.sentiment.get(str(label), 0) + _int(n)
        tally.frustration_sum += float(frustration or 0.0)
        tally.frustration_count += _int(counted)


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
