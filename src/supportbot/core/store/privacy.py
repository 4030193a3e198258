"""Redacting rows stored before redaction covered them (migration 0003, `supportbot db redact`),
and taking past agents' sign-offs off tickets stored before they were taken off on import
(migration 0009).

Written against plain table descriptions rather than the ORM models, so the migration that calls
it keeps meaning what it meant when later revisions change the models.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from supportbot.core.pii import redact
from supportbot.core.store.audit import redact_detail
from supportbot.core.store.tickets import content_hash

# (table, primary key, free-text columns)
TEXT_COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("messages", "id", ("text",)),
    ("feedback", "id", ("comment", "corrected_answer")),
    ("tickets", "id", ("question", "body", "resolution")),
]
BATCH = 500


def _ticket_hash(row: dict[str, Any]) -> str:
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
    tally = _Tally()
    for table_name, key, columns in TEXT_COLUMNS:
        for row, changes in _changed_rows(connection, table_name, key, columns, tally):
            if apply:
                _write(connection, table_name, key, row, changes)
        if progress is not None:
            progress(table_name)
    _redact_audit_details(connection, apply=apply, tally=tally)
    return {
        "applied": apply,
        "rows_changed": dict(sorted(tally.rows_changed.items())),
        "pii_found": dict(sorted(tally.found.items())),
        "reindex_needed": any(k.startswith("tickets.") for k in tally.rows_changed),
    }


def unsign_stored_tickets(connection: Connection) -> int:
    """Take the past agents' sign-offs off every stored ticket's reply, with the signatures learned
    from all of them (core.salutation, as an import does per batch); returns how many changed, each
    with a new content hash (`supportbot index build` re-embeds them)."""
    from supportbot.core.salutation import learn_signatures, neutral_reply

    table = _table("tickets", "id", ("question", "body", "resolution"))
    signatures = learn_signatures(
        row["resolution"] for batch in _batches(connection, table, "id") for row in batch
    )
    changed = 0
    for batch in _batches(connection, table, "id"):
        for row in batch:
            resolution = neutral_reply(row["resolution"], signatures)
            if resolution != row["resolution"]:
                _write(connection, "tickets", "id", row, {"resolution": resolution})
                changed += 1
    return changed


@dataclass
class _Tally:
    rows_changed: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)


def _table(table_name: str, key: str, columns: tuple[str, ...]) -> sa.TableClause:
    extra = ("category", "content_hash") if table_name == "tickets" else ()
    return sa.table(table_name, sa.column(key), *(sa.column(c) for c in columns + extra))


def _batches(connection: Connection, table: sa.TableClause, key: str) -> Iterator[list[dict[str, Any]]]:
    """All rows, ``BATCH`` at a time in key order (keyset pagination: no growing OFFSET)."""
    last = None
    while True:
        stmt = sa.select(table).order_by(table.c[key]).limit(BATCH)
        if last is not None:
            stmt = stmt.where(table.c[key] > last)
        batch = [dict(r._mapping) for r in connection.execute(stmt)]
        if not batch:
            return
        last = batch[-1][key]
        yield batch


def _changed_rows(
    connection: Connection, table_name: str, key: str, columns: tuple[str, ...], tally: _Tally
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(row, its redacted columns) for every row with PII in one of ``columns``, counted in ``tally``."""
    for batch in _batches(connection, _table(table_name, key, columns), key):
        for row in batch:
            changes: dict[str, Any] = {}
            for column in columns:
                result = redact(row[column]) if row[column] else None
                if result is not None and result.total:
                    changes[column] = result.text
                    tally.found.update(result.counts)
                    tally.rows_changed[f"{table_name}.{column}"] += 1
            if changes:
                yield row, changes


def _write(
    connection: Connection, table_name: str, key: str, row: dict[str, Any], changes: dict[str, Any]
) -> None:
    if table_name == "tickets":
        changes = {**changes, "content_hash": _ticket_hash({**row, **changes})}
    table = sa.table(table_name, sa.column(key), *(sa.column(c) for c in changes))
    connection.execute(sa.update(table).where(table.c[key] == row[key]).values(**changes))


def _redact_audit_details(connection: Connection, *, apply: bool, tally: _Tally) -> None:
    """Audit details hold free text too (comments, corrected answers)."""
    audit = sa.table("audit_log", sa.column("id"), sa.column("detail", sa.JSON))
    for entry_id, stored in connection.execute(
        sa.select(audit.c.id, audit.c.detail).where(audit.c.detail.is_not(None))
    ):
        # JSON null is stored as 'null' (not SQL NULL): it passes the filter and reads as None.
        detail = json.loads(stored) if isinstance(stored, str) else stored
        if not isinstance(detail, dict | list):
            continue
        clean = redact_detail(detail)
        if clean != detail:
            tally.rows_changed["audit_log.detail"] += 1
            if apply:
                connection.execute(sa.update(audit).where(audit.c.id == entry_id).values(detail=clean))
