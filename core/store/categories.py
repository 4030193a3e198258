"""The ticket categories: what a channel may be limited to, and what the bot can help with."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Ticket


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


def common_questions(session: Session, *, limit: int = 4) -> list[str]:
    """One question per most-asked category: the shortest of its tickets' questions that names no
    one's data (no placeholders), so a generic one ("How do I reset my password?")."""
    out: list[str] = []
    for category, _count in ticket_categories(session, limit=limit):
        question = session.scalar(
            select(Ticket.question)
            .where(Ticket.category == category, Ticket.question.not_like("%<%"))
            .order_by(func.length(Ticket.question), Ticket.id)
            .limit(1)
        )
        if question:
            out.append(question.strip())
    return out
