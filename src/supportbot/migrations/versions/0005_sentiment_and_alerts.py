"""How customers feel, why conversations were handed over, and sentiment alerts.

messages gains the customer turn's sentiment (negative / neutral / positive) and frustration
score in [0, 1], and the topic of a question (the category of its closest ticket, set when it
is answered). conversations gains why it was handed over (asked, gate, frustration, topic,
repeated ask). sentiment_alerts holds each alert posted: one per window and topic, enforced by a
unique key, so two bot replicas cannot both post it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE_COLUMNS = ["sentiment", "frustration", "topic"]


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode (see 0004: a rebuild of messages would cascade).
    op.add_column("messages", sa.Column("sentiment", sa.String(length=16), nullable=True))
    op.add_column("messages", sa.Column("frustration", sa.Float(), nullable=True))
    op.add_column("messages", sa.Column("topic", sa.String(length=64), nullable=True))
    op.add_column("conversations", sa.Column("handover_reason", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_messages_role_created_at"), "messages", ["role", "created_at"])
    op.create_table(
        "sentiment_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("negative_share", sa.Float(), nullable=False),
        sa.Column("baseline_share", sa.Float(), nullable=True),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("slack_channel", sa.String(length=32), nullable=True),
        sa.Column("slack_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sentiment_alerts")),
        sa.UniqueConstraint("window_start", "topic", name=op.f("uq_sentiment_alerts_window_start_topic")),
    )


def downgrade() -> None:
    op.drop_table("sentiment_alerts")
    op.drop_index(op.f("ix_messages_role_created_at"), table_name="messages")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in [("conversations", "handover_reason")] + [
        ("messages", c) for c in reversed(MESSAGE_COLUMNS)
    ]:
        if sqlite:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
