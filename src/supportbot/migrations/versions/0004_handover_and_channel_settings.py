"""The hand-over lifecycle on conversations, and per-channel settings.

conversations gains the hand-over state (NULL: the bot is in charge; waiting, claimed,
resolved), the agent, when the bot went quiet, the customer's CSAT and the agent's two-line
summary. channel_settings holds what admins set per channel with `/supportbot channel …`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HANDOVER_STATES = ["waiting", "claimed", "resolved"]
CONVERSATION_COLUMNS = ["handover", "agent_user", "bot_quiet_since", "csat", "handover_summary"]


def upgrade() -> None:
    op.create_table(
        "channel_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column(
            "answer_mode",
            sa.Enum(
                "all",
                "mentions",
                name="answer_mode",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("handover_group", sa.String(length=32), nullable=True),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_settings")),
        sa.UniqueConstraint("team", "channel", name=op.f("uq_channel_settings_team_channel")),
    )
    # Plain ADD COLUMN, not batch mode: on SQLite batch mode would rebuild conversations, and
    # dropping the old table (foreign keys on) would cascade to every message. SQLite takes the
    # CHECK only inline, PostgreSQL as a named constraint: the same name on both.
    states = ", ".join(f"'{s}'" for s in HANDOVER_STATES)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE conversations ADD COLUMN handover VARCHAR(16) "
            f"CONSTRAINT ck_conversations_handover_state CHECK (handover IN ({states}))"
        )
    else:
        op.add_column("conversations", sa.Column("handover", sa.String(length=16), nullable=True))
        op.create_check_constraint(
            op.f("ck_conversations_handover_state"), "conversations", f"handover IN ({states})"
        )
    op.add_column("conversations", sa.Column("agent_user", sa.String(length=32), nullable=True))
    op.add_column("conversations", sa.Column("bot_quiet_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column("conversations", sa.Column("csat", sa.SmallInteger(), nullable=True))
    op.add_column("conversations", sa.Column("handover_summary", sa.Text(), nullable=True))


def downgrade() -> None:
    # In place on SQLite (3.35+), for the same reason as in upgrade().
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column in reversed(CONVERSATION_COLUMNS):
        if sqlite:
            op.execute(f"ALTER TABLE conversations DROP COLUMN {column}")
        else:
            op.drop_column("conversations", column)
    op.drop_table("channel_settings")
