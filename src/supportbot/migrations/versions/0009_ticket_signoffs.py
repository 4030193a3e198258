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

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from supportbot.core.store.privacy import unsign_stored_tickets

    if changed := unsign_stored_tickets(op.get_bind()):
        print(f"0009: took past agents' sign-offs off {changed} tickets: run `supportbot index build`")


def downgrade() -> None:
    pass
