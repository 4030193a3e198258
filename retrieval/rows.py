"""Reading tickets for retrieval: what is embedded, the table's fingerprint, rows for hits.

Searches read only the columns a hit shows, with one ``SELECT ... WHERE id IN (...)`` per query,
so the database adds well under a millisecond to a search.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Ticket
from core.store import ticket_hashes
from retrieval.manifest import fingerprint

# SQLite allows 32k bound parameters, PostgreSQL 65k; stay far below either.
IN_CHUNK = 1000


def embed_text(question: str, body: str | None = None) -> str:
    """What a ticket is found by: the customer's words (question, then any further description).

    The resolution is not embedded: queries are customers' questions, and an answer's wording
    (shared by many unrelated tickets: "Settings > ...", "within 3 days") would only blur them.
    """
    if body and body.strip():
        return f"{question.strip()}\n{body.strip()}"
    return question.strip()


@dataclass(frozen=True)
class TicketRow:
    id: int
    external_id: str
    question: str
    resolution: str
    category: str | None


_ROW_COLUMNS = (Ticket.id, Ticket.external_id, Ticket.question, Ticket.resolution, Ticket.category)


def fetch_rows(session: Session, ids: Iterable[int]) -> dict[int, TicketRow]:
    """The rows of these ticket ids (missing ones are simply absent)."""
    wanted = [int(i) for i in ids]
    out: dict[int, TicketRow] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        for row in session.execute(select(*_ROW_COLUMNS).where(Ticket.id.in_(chunk))):
            out[row[0]] = TicketRow(*row)
    return out


def texts_for(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """The text to embed of each of these tickets."""
    out: dict[int, str] = {}
    wanted = [int(i) for i in ids]
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        stmt = select(Ticket.id, Ticket.question, Ticket.body).where(Ticket.id.in_(chunk))
        for ticket_id, question, body in session.execute(stmt):
            out[ticket_id] = embed_text(question, body)
    return out


def iter_for_index(session: Session, *, batch: int = 5000) -> Iterator[tuple[int, str, str]]:
    """(id, text to embed, content hash) of every ticket, in id order, a page at a time.

    Texts and hashes come from the same rows, so the fingerprint an index is saved with always
    describes exactly the tickets it embedded.
    """
    last = 0
    while True:
        stmt = (
            select(Ticket.id, Ticket.question, Ticket.body, Ticket.content_hash)
            .where(Ticket.id > last)
            .order_by(Ticket.id)
            .limit(batch)
        )
        rows = session.execute(stmt).all()
        if not rows:
            return
        for ticket_id, question, body, digest in rows:
            yield ticket_id, embed_text(question, body), digest
        last = rows[-1][0]


def table_fingerprint(session: Session) -> tuple[int, str]:
    """(number of tickets, fingerprint of their ids and content hashes)."""
    pairs = ticket_hashes(session)
    return len(pairs), fingerprint(pairs)


def external_to_id(session: Session, external_ids: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    wanted = list(dict.fromkeys(external_ids))
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        stmt = select(Ticket.external_id, Ticket.id).where(Ticket.external_id.in_(chunk))
        out.update({e: i for e, i in session.execute(stmt)})
    return out
