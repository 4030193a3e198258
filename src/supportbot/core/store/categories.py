"""The ticket categories: what a channel may be limited to, and what the bot can help with."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supportbot.core.models import Ticket


def ticket_categories(session: Session, *, limit: int | None = None) -> list[tuple[str, int]]:
    """(category, number of tickets) for every category the tickets have, most tickets first."""
    n = func.count(Ticket.id)
    stmt = (
        select(Ticket.category, n)
        .where(Ticket.category.is_not(None), Ticket.category != "")
        .group_by(Ticket.category)
        .order_by(n.desc(), Ticket.category)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(str(category), int(count)) for category, count in session.execute(stmt)]


def shortest_questions(session: Session, *, categories: int = 4, per_category: int = 20) -> list[list[str]]:
    """For each of the ``categories`` most-asked categories, its ``per_category`` shortest ticket
    questions (short questions are the generic ones: "How do I reset my password?")."""
    out: list[list[str]] = []
    for category, _count in ticket_categories(session, limit=categories):
        rows = session.scalars(
            select(Ticket.question)
            .where(Ticket.category == category)
            .order_by(func.length(Ticket.question), Ticket.id)
            .limit(per_category)
        )
        out.append([q.strip() for q in rows if q and q.strip()])
    return out
