"""When a ticket was opened comes from its export (retrieval.dates), and retrieval orders a
request's tickets by it: an export written newest first still lets the newest answer win."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

from sqlalchemy import select

from supportbot.core.models import Ticket
from supportbot.retrieval.dates import parse_when
from supportbot.retrieval.importer import import_tickets
from supportbot.retrieval.index_builder import build_index
from supportbot.retrieval.search import Retriever
from supportbot.retrieval.sources import FieldMap

OLD = "Go to Settings > Security and choose Reset password; the link lasts 60 minutes."
NEW = "Password resets now happen in the Account app under Sign-in; the code lasts 10 minutes."
QUESTIONS = [
    "How do I reset my password?",
    "I forgot my password, how can I reset it?",
    "Where do I change my password?",
    "Can't log in, need a password reset",
    "password reset please",
    "How can I set a new password for my account?",
]


def test_dates_are_read_as_exports_write_them():
    assert parse_when("2024-03-01T10:00:00Z") == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert parse_when("2024-03-01 10:00") == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert parse_when("2024-03-01T12:00:00+02:00") == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert parse_when(1709287200) == datetime(2024, 3, 1, 10, tzinfo=UTC)  # Intercom: seconds
    assert parse_when("1709287200000") == datetime(2024, 3, 1, 10, tzinfo=UTC)  # milliseconds
    assert parse_when("1709287200.000100") == datetime(2024, 3, 1, 10, 0, 0, 100, tzinfo=UTC)  # Slack ts
    for nothing in (None, "", "next Tuesday", True, 0, "31/12/2024"):
        assert parse_when(nothing) is None


def _write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_the_export_date_is_kept_and_a_bad_one_is_named_by_line(sessions, tmp_path):
    export = tmp_path / "tickets.csv"
    rows = [
        {"id": "A1", "question": "Reset password?", "resolution": OLD, "Opened": "2023-01-05 09:30"},
        {"id": "A2", "question": "Reset password!", "resolution": OLD, "Opened": "soon"},
    ]
    _write(export, rows)
    report = import_tickets(sessions, export, fields=FieldMap(created="Opened"))
    assert report.created == 1 and report.error_lines() == [
        f"{export}:3: ticket A2: not a date in field 'Opened': 'soon'"
    ]
    # Found by its usual name without being told; a re-import with a new date keeps the ticket
    # unchanged (nothing to re-embed) and takes the date.
    again = tmp_path / "again.jsonl"
    again.write_text(
        json.dumps({"id": "A1", "question": "Reset password?", "resolution": OLD, "created_at": 1709287200})
        + "\n"
    )
    second = import_tickets(sessions, again)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    with sessions() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.external_id == "A1")).one()
    assert ticket.created_at.replace(tzinfo=None) == datetime(2024, 3, 1, 10)


def test_an_export_written_newest_first_still_lets_the_newest_answer_win(
    sessions, embedder, tmp_path, monkeypatch
):
    # The file lists the new policy's tickets first (ids 1-3 by import order) and the old ones
    # after; only their dates say the new policy came later.
    rows = [
        {"id": f"N{n}", "question": q, "resolution": NEW, "created": f"2024-06-{n + 1:02d}"}
        for n, q in enumerate(QUESTIONS[:3])
    ] + [
        {"id": f"O{n}", "question": q, "resolution": OLD, "created": f"2023-02-{n + 1:02d}"}
        for n, q in enumerate(QUESTIONS[3:])
    ]
    export = tmp_path / "tickets.csv"
    _write(export, rows)
    assert import_tickets(sessions, export).created == 6
    folder = tmp_path / "index"
    build_index(sessions=sessions, folder=folder, embedder=embedder, kind_setting="flat")
    retriever = Retriever.from_index(folder, sessions=sessions, embedder=embedder)
    requests = retriever._state.requests
    assert requests is not None and len(requests.successor) == 1
    hits = retriever.search("password reset please", k=3)
    assert hits and all(h.resolution == NEW for h in hits)
    # Only an old ticket is a candidate (the index's nearest): a new one replaces it all the same,
    # though the index did not return it.
    from supportbot.retrieval import search

    monkeypatch.setattr(search, "REQUEST_CANDIDATES", 1)
    nearest = Retriever.from_index(folder, sessions=sessions, embedder=embedder, request_weight=0)
    assert [h.resolution for h in nearest.search("password reset please", k=1)] == [OLD]
    assert [h.resolution for h in retriever.search("password reset please", k=1)] == [NEW]
