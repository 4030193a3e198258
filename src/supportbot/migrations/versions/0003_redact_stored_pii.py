"""Privacy: redact the free text stored before redaction covered it, and make room for the
opt-in encrypted originals.

Earlier versions stored customers' messages, feedback comments and corrections as typed (card
numbers, CVVs, IBANs, e-mails, phones). This revision rewrites them with the placeholders the
product uses everywhere else. See what it would change first: `supportbot db redact --dry-run`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("original_encrypted", sa.Text(), nullable=True))
    from supportbot.core.store.privacy import redact_stored

    report = redact_stored(op.get_bind(), apply=True)
    if report["rows_changed"]:
        changed = ", ".join(f"{n} {name}" for name, n in report["rows_changed"].items())
        print(f"0003: redacted PII in {changed}")
        if report["reindex_needed"]:
            print("0003: ticket texts changed: run `supportbot index build`")


def downgrade() -> None:
    # Redaction cannot be undone (that is its point); only the column goes. Not in batch mode on
    # SQLite: that rebuilds the table, and dropping the old one (foreign keys on) would cascade
    # to feedback and retrieval hits. SQLite drops a column in place since 3.35.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE messages DROP COLUMN original_encrypted")
    else:
        op.drop_column("messages", "original_encrypted")
