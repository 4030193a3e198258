"""Stored tickets lose the sign-offs and greetings the widened rules know, as new imports do.

The rules of core.salutation now also know a team in brackets ("Thanks,\\nNadia (Brightwire
Support)"), a team after a middle dot, a lone "— Tom, Brightwire" that ends many replies, and
greetings like "Gemma -", "Hello Gemma 😊" and "Morning Gemma!". Stored tickets are cleaned
again with them (the signatures learned from every stored reply, each changed ticket with its
new content hash: run `supportbot index build`). A stored ticket's replies are joined, so only
the first reply's greeting and the last one's sign-off are reached here; importing the export
again cleans each reply of a helpdesk thread on its own. Schema unchanged; the downgrade keeps
the text.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from supportbot.core.store.privacy import unsign_stored_tickets

    if changed := unsign_stored_tickets(op.get_bind()):
        print(
            f"0010: took past agents' sign-offs and customers' names off {changed} tickets: run `supportbot index build`"
        )


def downgrade() -> None:
    pass
