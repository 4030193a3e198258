"""Full-text index on message text for the review search (PostgreSQL; SQLite scans).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The expression must match core.store.conversations._text_match exactly.
        op.execute(
            "CREATE INDEX ix_messages_text_fts ON messages USING gin (to_tsvector('simple'::regconfig, text))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_messages_text_fts")
