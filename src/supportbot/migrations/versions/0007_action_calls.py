"""The calls of the team's declared HTTP actions.

action_calls holds each call the bot made or asked approval for (usecases.actions): the action,
its risk class, its state (pending → running → done / failed, or cancelled), its parameters
(redacted; the values themselves sealed with the originals key only where redaction changed
them), who asked and who decided, the HTTP status, the error and the answer given. A pending
call is started with one conditional UPDATE, so a double click runs it once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTION_STATES = ["pending", "running", "done", "failed", "cancelled"]


def upgrade() -> None:
    # A new table only: nothing existing is rebuilt (see 0004).
    op.create_table(
        "action_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("risk", sa.String(length=16), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                *ACTION_STATES, name="action_state", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("params_sealed", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_action_calls_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_action_calls_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_calls")),
    )
    op.create_index(op.f("ix_action_calls_conversation_id"), "action_calls", ["conversation_id"])


def downgrade() -> None:
    # Dropping the table is plain DROP TABLE on both databases: nothing refers to it.
    op.drop_index(op.f("ix_action_calls_conversation_id"), table_name="action_calls")
    op.drop_table("action_calls")
