"""Stored tickets lose a past agent's sign-off, as newly imported ones do.

Tickets imported before the sign-off rules (core.salutation) still end "Cheers\\n\\nSam" or "Best
wishes,\\nPriya | Larkspur Customer Care", and the bot would show them under its own name until
the export was imported again. The team's signatures are learned from every stored reply, as an
import learns them from its own; each changed ticket gets its new content hash, so the index is
out of date until `supportbot index build` re-embeds those tickets (the bot already shows the
new text: it reads replies from the database). Schema unchanged; the downgrade keeps the text
(the sign-offs are not kept anywhere to put back).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 1000

tickets = sa.table(
    "tickets",
    sa.column("id", sa.Integer),
    sa.column("question", sa.Text),
    sa.column("body", sa.Text),
    sa.column("resolution", sa.Text),
    sa.column("category", sa.String),
    sa.column("content_hash", sa.String),
)


def _rows(bind: sa.Connection, columns: Sequence[sa.ColumnElement]) -> Iterator[sa.Row]:
    """Every ticket's ``columns``, ``PAGE`` at a time by id (an update between pages is fine)."""
    last = 0
    while rows := bind.execute(
        sa.select(*columns).where(tickets.c.id > last).order_by(tickets.c.id).limit(PAGE)
    ).all():
        yield from rows
        last = rows[-1].id


def upgrade() -> None:
    # The rules as this version has them: a pure function of the text, no model, no network.
    from supportbot.core.salutation import learn_signatures, neutral_reply
    from supportbot.core.store.tickets import content_hash

    bind = op.get_bind()
    signatures = learn_signatures(row.resolution for row in _rows(bind, [tickets.c.id, tickets.c.resolution]))
    for row in _rows(bind, list(tickets.c)):
        resolution = neutral_reply(row.resolution, signatures)
        if resolution == row.resolution:
            continue
        digest = content_hash(
            question=row.question, body=row.body, resolution=resolution, category=row.category
        )
        bind.execute(
            tickets.update().where(tickets.c.id == row.id).values(resolution=resolution, content_hash=digest)
        )


def downgrade() -> None:
    pass
