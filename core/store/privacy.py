"""Redacting rows stored before redaction covered them (migration 0003, `supportbot db redact`).

Written against plain table descriptions rather than the ORM models, so the migration that calls
it keeps meaning what it meant when later revisions change the models.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.pii import redact

# (table, primary key, free-text columns)
TEXT_COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("messages", "id", ("text",)),
    ("feedback", "id", ("comment", "corrected_answer")),
    ("tickets", "id", ("question", "body", "resolution")),
]
BATCH = 500


def _ticket_hash(row: dict[str, Any]) -> str:
    from core.store.tickets import content_hash

    return content_hash(
        question=row["question"], body=row["body"], resolution=row["resolution"], category=row["category"]
    )


def redact_stored(
    connection: Connection, *, apply: bool, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Redact every stored free text; returns the rows changed per table.column and the PII found.

    With ``apply=False`` (a dry run) nothing is written. A ticket whose text changes gets a new
    content hash, so `supportbot index build` re-embeds it (the report says when that is needed).
    """
    rows_changed: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for table_name, key, columns in TEXT_COLUMNS:
        extra = ("category", "content_hash") if table_name == "tickets" else ()
        table = sa.table(table_name, sa.column(key), *(sa.column(c) for c in columns + extra))
        last = None
        while True:
            stmt = sa.select(table).order_by(table.c[key]).limit(BATCH)
            if last is not None:
                stmt = stmt.where(table.c[key] > last)
            batch = [dict(r._mapping) for r in connection.execute(stmt)]
            if not batch:
                break
            last = batch[-1][key]
            for row in batch:
                changes: dict[str, Any] = {}
                for column in columns:
                    value = row[column]
                    if not value:
                        continue
                    result = redact(value)
                    if result.total:
                        changes[column] = result.text
                        found.update(result.counts)
                        rows_changed[f"{table_name}.{column}"] += 1
                if changes and apply:
                    if table_name == "tickets":
                        changes["content_hash"] = _ticket_hash({**row, **changes})
                    connection.execute(sa.update(table).where(table.c[key] == row[key]).values(**changes))
        if progress is not None:
            progress(table_name)
    # Audit details hold free text too (comments, corrected answers).
    audit = sa.table("audit_log", sa.column("id"), sa.column("detail", sa.JSON))
    from core.store.audit import _redacted

    for row in connection.execute(sa.select(audit).where(audit.c.detail.is_not(None))):
        # JSON null is stored as 'null' (not SQL NULL): it passes the filter and reads as None.
        detail = json.loads(row.detail) if isinstance(row.detail, str) else row.detail
        if not isinstance(detail, dict | list):
            continue
        clean = _redacted(detail)
        if clean != detail:
            rows_changed["audit_log.detail"] += 1
            if apply:
                connection.execute(sa.update(audit).where(audit.c.id == row.id).values(detail=clean))
    return {
        "applied": apply,
        "rows_changed": dict(sorted(rows_changed.items())),
        "pii_found": dict(sorted(found.items())),
        "reindex_needed": any(k.startswith("tickets.") for k in rows_changed),
    }
