"""Importing ticket exports into the tickets table, PII redacted before anything is stored.

Rows are upserted by external id: a re-import updates changed tickets and leaves the others
alone, never duplicating. Rows are written in batches of a few hundred per transaction; a bad row
stops nothing: it is reported (file:line: reason) and the rest go in. Any format of
``retrieval.formats`` comes this way (CSV, JSONL, helpdesks, help-center articles, Slack, also
fetched live); a record that is no ticket (a conversation no agent answered) is counted as
skipped, not failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from supportbot.core.db import transaction
from supportbot.core.pii import redact
from supportbot.core.salutation import learn_signatures, neutral_reply
from supportbot.core.store import upsert_ticket
from supportbot.retrieval.formats import read_items
from supportbot.retrieval.sources import FieldMap, Record, RowError, Skipped

BATCH = 500


@dataclass
class Redacted:
    """A ticket's text after redaction, and what was found in it."""

    question: str
    body: str | None
    resolution: str
    counts: Counter[str]


def redact_ticket(
    question: str,
    body: str | None,
    resolution: str,
    *,
    signatures: frozenset[str] = frozenset(),
    replies: Sequence[str] = (),
) -> Redacted:
    """The ticket's texts redacted; the reply also without the past customer's name and the
    agent's sign-off (``signatures``: the unsigned blocks learned from its batch's replies).
    ``replies``: the agents' replies one by one, where the export keeps them apart (the
    resolution is them joined): each is cleaned on its own, its greeting and its sign-off
    being in the middle of the joined text."""
    counts: Counter[str] = Counter()
    out: list[str | None] = []
    for text in (question, body):
        if text is None:
            out.append(None)
            continue
        result = redact(text)
        counts.update(result.counts)
        out.append(result.text)
    # The reply's salutation names the past customer and its sign-off the past agent: neither is
    # shown to, or learned for, another customer.
    parts = []
    for reply in replies or (resolution,):
        result = redact(reply)
        counts.update(result.counts)
        parts.append(neutral_reply(result.text, signatures))
    return Redacted(out[0] or "", out[1], "\n\n".join(parts), counts)


@dataclass
class ImportReport:
    path: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    redacted: Counter[str] = field(default_factory=Counter)
    changed_ids: list[int] = field(default_factory=list)  # created or updated: to (re-)embed

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def failed(self) -> int:
        return len(self.errors)

    def error_lines(self) -> list[str]:
        return [f"{e.file or self.path}:{e.line}: {e.reason}" for e in self.errors]

    def skipped_reasons(self) -> dict[str, int]:
        return dict(Counter(s.reason for s in self.skipped).most_common())

    def to_dict(self) -> dict:
        return {
            "file": self.path,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "errors": [_located(e) for e in self.errors],
            "skipped": len(self.skipped),
            "skipped_reasons": self.skipped_reasons(),
            "skips": [_located(s) for s in self.skipped],
            "redacted": dict(sorted(self.redacted.items())),
        }


def _located(item: RowError | Skipped) -> dict[str, Any]:
    """An error or skip as JSON (its file only where the source is a folder of files)."""
    out: dict[str, Any] = {"line": item.line, "reason": item.reason}
    return {"file": item.file, **out} if item.file else out


def import_tickets(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    fields: FieldMap = FieldMap(),
    fmt: str | None = None,
    source: str = "import",
    progress: bool = False,
    batch: int = BATCH,
) -> ImportReport:
    found = read_items(path, fields=fields, fmt=fmt, progress=progress)
    return import_records(sessions, found, label=str(path), source=source, batch=batch)


def import_records(
    sessions: sessionmaker[Session],
    found: Iterable[Record | RowError | Skipped],
    *,
    label: str,
    source: str = "import",
    batch: int = BATCH,
) -> ImportReport:
    """Store what a reader found (a file's, or a live fetch's), ``label`` naming where it came
    from in the report: the one path every import takes."""
    report = ImportReport(path=label)
    pending: list[Record] = []
    for item in found:
        if isinstance(item, RowError):
            report.errors.append(item)
            continue
        if isinstance(item, Skipped):
            report.skipped.append(item)
            continue
        pending.append(item)
        if len(pending) >= batch:
            _write(sessions, pending, report, source=source)
            pending = []
    if pending:
        _write(sessions, pending, report, source=source)
    report.errors.sort(key=lambda e: (e.file or "", e.line))
    return report


def _write(
    sessions: sessionmaker[Session], records: list[Record], report: ImportReport, *, source: str
) -> None:
    """One transaction for the batch; should the database refuse a row, redo the batch row by row
    so that only that row fails."""
    signatures = learn_signatures(reply for r in records for reply in r.agent_replies)
    try:
        with transaction(sessions) as session:
            outcomes = [_upsert(session, r, source=source, signatures=signatures) for r in records]
    except SQLAlchemyError:
        for record in records:
            try:
                with transaction(sessions) as session:
                    outcome = _upsert(session, record, source=source, signatures=signatures)
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                report.errors.append(
                    RowError(record.line, f"ticket {record.external_id}: database: {reason}", record.file)
                )
                continue
            _count(report, outcome)
        return
    for outcome in outcomes:
        _count(report, outcome)


def _upsert(
    session: Session, record: Record, *, source: str, signatures: frozenset[str] = frozenset()
) -> tuple[int, str, Counter[str]]:
    clean = redact_ticket(
        record.question, record.body, record.resolution, signatures=signatures, replies=record.replies
    )
    ticket, change = upsert_ticket(
        session,
        external_id=record.external_id,
        question=clean.question,
        body=clean.body,
        resolution=clean.resolution,
        category=record.category,
        source=source,
        created_at=record.created,
    )
    return ticket.id, change, clean.counts


def _count(report: ImportReport, outcome: tuple[int, str, Counter[str]]) -> None:
    ticket_id, change, counts = outcome
    report.redacted.update(counts)
    if change == "created":
        report.created += 1
    elif change == "updated":
        report.updated += 1
    else:
        report.unchanged += 1
    if change != "unchanged":
        report.changed_ids.append(ticket_id)
