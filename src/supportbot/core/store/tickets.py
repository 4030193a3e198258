"""Past solved tickets: what retrieval searches and the bot cites."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supportbot.core.errors import NotFound
from supportbot.core.models import Ticket, utcnow
from supportbot.core.pii import redact_optional, redact_text

Change = Literal["created", "updated", "unchanged"]


def content_hash(*, question: str, body: str | None, resolution: str, category: str | None) -> str:
    """Hash of everything that is embedded or shown: a change means the ticket must be re-indexed."""
    joined = "\x1f".join([question, body or "", resolution, category or ""])
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def upsert_ticket(
    session: Session,
    *,
    external_id: str,
    question: str,
    resolution: str,
    body: str | None = None,
    category: str | None = None,
    source: str = "import",
    created_at: datetime | None = None,
) -> tuple[Ticket, Change]:
    """Insert a ticket, or update the one with the same external id (never a duplicate).
    ``created_at``: when the export says it was opened (default: now); a new date alone is kept
    without counting as a change (nothing to re-embed).

    The importer redacts (and counts) first; redacting here again is a no-op for it and keeps
    every other caller from storing PII."""
    question, resolution, body = redact_text(question), redact_text(resolution), redact_optional(body)
    digest = content_hash(question=question, body=body, resolution=resolution, category=category)
    ticket = session.scalars(select(Ticket).where(Ticket.external_id == external_id)).first()
    if ticket is None:
        ticket = Ticket(
            external_id=external_id,
            question=question,
            body=body,
            resolution=resolution,
            category=category,
            source=source,
            content_hash=digest,
            **({"created_at": created_at} if created_at is not None else {}),
        )
        session.add(ticket)
        session.flush()
        return ticket, "created"
    if created_at is not None and _naive(ticket.created_at) != _naive(created_at):
        ticket.created_at = created_at
    if ticket.content_hash == digest:
        return ticket, "unchanged"
    ticket.question, ticket.body, ticket.resolution, ticket.category = question, body, resolution, category
    ticket.content_hash = digest
    ticket.updated_at = utcnow()
    session.flush()
    return ticket, "updated"


def _naive(moment: datetime) -> datetime:
    """A moment in UTC without its zone (SQLite gives stored datetimes back without one)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def get_tickets(session: Session, *, ids: Iterable[int]) -> dict[int, Ticket]:
    wanted = list(ids)
    if not wanted:
        return {}
    return {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(wanted)))}


def get_ticket(session: Session, *, external_id: str) -> Ticket:
    ticket = session.scalars(select(Ticket).where(Ticket.external_id == external_id)).first()
    if ticket is None:
        raise NotFound(f"ticket {external_id!r} does not exist")
    return ticket


def ids_for_external(session: Session, *, external_ids: Sequence[str]) -> dict[str, int]:
    if not external_ids:
        return {}
    rows = session.execute(select(Ticket.external_id, Ticket.id).where(Ticket.external_id.in_(external_ids)))
    return {k: v for k, v in rows.all()}


def delete_ticket(session: Session, *, external_id: str) -> int:
    """Delete a ticket; returns its primary key (so the index can drop it too)."""
    ticket = get_ticket(session, external_id=external_id)
    ticket_id = ticket.id
    session.delete(ticket)
    session.flush()
    return ticket_id


def count_tickets(session: Session) -> int:
    return session.scalar(select(func.count(Ticket.id))) or 0


def ticket_hashes(session: Session) -> list[tuple[int, str]]:
    """(id, content hash) of every ticket, in id order: the input of the index fingerprint."""
    return list(session.execute(select(Ticket.id, Ticket.content_hash).order_by(Ticket.id)).all())


def iter_tickets(session: Session, *, batch: int = 1000) -> Iterable[Ticket]:
    last = 0
    while True:
        rows = session.scalars(select(Ticket).where(Ticket.id > last).order_by(Ticket.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id
