"""Where a conversation's hand-over request was posted.

conversations gains the channel and ts of the request the support team saw (the support
channel's message, with a permalink to the customer's thread): the agents' replies in that
message's thread are relayed to the customer, and the customer's to it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode (see 0004).
    op.add_column("conversations", sa.Column("handover_channel", sa.String(length=32), nullable=True))
    op.add_column("conversations", sa.Column("handover_ts", sa.String(length=32), nullable=True))
    op.create_index("ix_conversations_handover_request", "conversations", ["handover_channel", "handover_ts"])


def downgrade() -> None:
    op.drop_index("ix_conversations_handover_request", table_name="conversations")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column in ("handover_ts", "handover_channel"):
        if sqlite:  # no batch rebuild: it would cascade to messages (see 0004)
            op.execute(f"ALTER TABLE conversations DROP COLUMN {column}")
        else:
            op.drop_column("conversations", column)
