"""What retrieval makes of the tickets table: the text a ticket is found by, the texts to embed,
and the table's fingerprint (the rows themselves come from core.store.ticket_reads)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy.orm import Session

from supportbot.core import store
from supportbot.retrieval.manifest import fingerprint


def embed_text(question: str, body: str | None = None) -> str:
    """What a ticket is found by: the customer's words (question, then any further description).

    The resolution is not embedded: queries are customers' questions, and an answer's wording
    (shared by many unrelated tickets: "Settings > ...", "within 3 days") would only blur them.
    """
    if body and body.strip():
        return f"{question.strip()}\n{body.strip()}"
    return question.strip()


def texts_for(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """The text to embed of each of these tickets."""
    return {ticket_id: embed_text(q, b) for ticket_id, q, b in store.question_texts(session, ids)}


def iter_for_index(session: Session, *, batch: int = 5000) -> Iterator[tuple[int, str, str]]:
    """(id, text to embed, content hash) of every ticket, in id order, a page at a time.

    Texts and hashes come from the same rows, so the fingerprint an index is saved with always
    describes exactly the tickets it embedded.
    """
    for page in store.question_pages(session, batch=batch):
        for ticket_id, question, body, digest in page:
            yield ticket_id, embed_text(question, body), digest


def table_fingerprint(session: Session) -> tuple[int, str]:
    """(number of tickets, fingerprint of their ids and content hashes)."""
    pairs = store.ticket_hashes(session)
    return len(pairs), fingerprint(pairs)
