"""Where an irreversible action's approval was asked of the support team.

action_calls gains the channel and ts of the message that asks the support channel to approve
the call (Approve / Cancel, with a link to the customer's thread): a click counts only on that
message, so a button value naming the call anywhere else is refused.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode (see 0004).
    op.add_column("action_calls", sa.Column("approval_channel", sa.String(length=32), nullable=True))
    op.add_column("action_calls", sa.Column("approval_ts", sa.String(length=32), nullable=True))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column in ("approval_ts", "approval_channel"):
        if sqlite:  # no batch rebuild (see 0004)
            op.execute(f"ALTER TABLE action_calls DROP COLUMN {column}")
        else:
            op.drop_column("action_calls", column)
