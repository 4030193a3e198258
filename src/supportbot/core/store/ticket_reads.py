"""The reads retrieval makes of the tickets table: rows for hits, texts to embed, pages for an
index build, and what the agreement check and the evaluation read.

Searches read only the columns a hit shows, with one ``SELECT ... WHERE id IN (...)`` per query,
so the database adds well under a millisecond to a search.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from supportbot.core.enums import ConversationStatus
from supportbot.core.models import Conversation, Message, Ticket

# SQLite allows 32k bound parameters, PostgreSQL 65k; stay far below either.
IN_CHUNK = 1000


@dataclass(frozen=True)
class TicketRow:
    id: int
    external_id: str
    question: str
    resolution: str
    category: str | None
    created_at: datetime | None = None  # when it was opened (its export's date, else imported)


_ROW_COLUMNS = (
    Ticket.id, Ticket.external_id, Ticket.question, Ticket.resolution, Ticket.category, Ticket.created_at
)  # fmt: skip


def _chunks(values: Sequence[object]) -> Iterator[Sequence[object]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def fetch_rows(session: Session, ids: Iterable[int]) -> dict[int, TicketRow]:
    """The rows of these ticket ids (missing ones are simply absent)."""
    out: dict[int, TicketRow] = {}
    for chunk in _chunks([int(i) for i in ids]):
        for row in session.execute(select(*_ROW_COLUMNS).where(Ticket.id.in_(chunk))):
            out[row[0]] = TicketRow(*row)
    return out


def question_texts(session: Session, ids: Sequence[int]) -> list[tuple[int, str, str | None]]:
    """(id, question, body) of these tickets."""
    out: list[tuple[int, str, str | None]] = []
    for chunk in _chunks([int(i) for i in ids]):
        stmt = select(Ticket.id, Ticket.question, Ticket.body).where(Ticket.id.in_(chunk))
        out.extend((i, q, b) for i, q, b in session.execute(stmt))
    return out


def question_pages(
    session: Session, *, batch: int = 5000
) -> Iterator[list[tuple[int, str, str | None, str]]]:
    """(id, question, body, content hash) of every ticket, in id order, ``batch`` at a time."""
    last = 0
    while True:
        stmt = (
            select(Ticket.id, Ticket.question, Ticket.body, Ticket.content_hash)
            .where(Ticket.id > last)
            .order_by(Ticket.id)
            .limit(batch)
        )
        rows = [(i, q, b, h) for i, q, b, h in session.execute(stmt)]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def all_questions(session: Session) -> list[tuple[int, str, str, str | None]]:
    """(id, external id, question, body) of every ticket, in id order."""
    stmt = select(Ticket.id, Ticket.external_id, Ticket.question, Ticket.body).order_by(Ticket.id)
    return [(i, e, q, b) for i, e, q, b in session.execute(stmt)]


def spread_questions(
    session: Session, *, limit: int, leave_out: Collection[str] = ()
) -> list[tuple[int, str, str, str | None]]:
    """(id, external id, question, body) of up to ``limit`` tickets spread evenly over the table
    in id order, those whose external id is in ``leave_out`` skipped: the ids are read first, the
    texts of the chosen ones only."""
    ids = [
        i
        for i, e in session.execute(select(Ticket.id, Ticket.external_id).order_by(Ticket.id))
        if e not in leave_out
    ]
    if len(ids) > limit:
        ids = [ids[n * len(ids) // limit] for n in range(limit)]
    rows: list[tuple[int, str, str, str | None]] = []
    for chunk in _chunks(ids):
        stmt = select(Ticket.id, Ticket.external_id, Ticket.question, Ticket.body).where(Ticket.id.in_(chunk))
        rows.extend((i, e, q, b) for i, e, q, b in session.execute(stmt))
    return sorted(rows)


def ticket_resolutions(session: Session, *, limit: int) -> list[str]:
    """The resolutions of the first ``limit`` tickets (the word weights of the agreement check)."""
    return list(session.scalars(select(Ticket.resolution).order_by(Ticket.id).limit(limit)).all())


def resolved_conversations(session: Session, *, after_id: int, limit: int) -> list[Conversation]:
    """Resolved conversations with ids above ``after_id``, their messages and feedback loaded."""
    return list(
        session.scalars(
            select(Conversation)
            .where(Conversation.status == ConversationStatus.resolved, Conversation.id > after_id)
            .order_by(Conversation.id)
            .limit(limit)
            .options(selectinload(Conversation.messages).selectinload(Message.feedback))
        ).all()
    )
