"""Import into a real database (SQLite and PostgreSQL): upserts, redaction, what reaches the index."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from supportbot.core.models import Ticket
from supportbot.retrieval.importer import import_tickets
from supportbot.retrieval.index_builder import IndexWriter, build_index
from tests.retrieval.conftest import TICKETS, RecordingEmbedder, ticket_rows

SEEDED_PII = [
    "anna.kowalski@examplemail.com",
    "+44 20 7946 0958",
    "4111 1111 1111 1111",
    "DE89 3704 0044 0532 0130 00",
    "(415) 555 0134",
]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_reimport_updates_instead_of_duplicating(sessions, tmp_path):
    first = import_tickets(sessions, TICKETS)
    assert (first.created, first.updated, first.unchanged, first.failed) == (48, 0, 0, 0)

    rows = ticket_rows()
    rows[0]["resolution"] = "A new, better resolution."
    rows.append({"id": "T-2000", "question": "Brand new question", "resolution": "New answer"})
    changed = tmp_path / "changed.jsonl"
    changed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    second = import_tickets(sessions, changed)
    assert (second.created, second.updated, second.unchanged) == (1, 1, 47)
    with sessions() as s:
        tickets = s.scalars(select(Ticket)).all()
        by_external = {t.external_id: t for t in tickets}
    assert len(tickets) == 49 == len(by_external)
    assert by_external["T-1001"].resolution == "A new, better resolution."
    assert sorted(second.changed_ids) == sorted([by_external["T-1001"].id, by_external["T-2000"].id])


def test_no_seeded_pii_reaches_the_database_or_the_index_input(sessions, embedder, tmp_path):
    report = import_tickets(sessions, TICKETS)
    assert report.redacted == {"email": 1, "phone": 2, "card": 1, "iban": 1}
    recording = RecordingEmbedder(embedder)
    build_index(sessions=sessions, folder=tmp_path / "index", embedder=recording, kind_setting="flat")
    assert len(recording.seen) == 48
    with sessions() as s:
        stored = [
            " ".join(filter(None, (t.question, t.body, t.resolution))) for t in s.scalars(select(Ticket))
        ]
    for text in [*stored, *recording.seen]:
        for pii in SEEDED_PII:
            assert pii not in text
            if _digits(pii):
                assert _digits(pii) not in _digits(text)  # not even with other spacing
    assert any("[EMAIL]" in t and "[PHONE]" in t for t in recording.seen)
    assert any("[CARD]" in t for t in recording.seen) and any("[IBAN]" in t for t in recording.seen)


def test_import_updates_a_matching_index_in_place(sessions, embedder, tmp_path):
    folder = tmp_path / "index"
    import_tickets(sessions, TICKETS)
    build_index(sessions=sessions, folder=folder, embedder=embedder, kind_setting="flat")

    rows = ticket_rows()
    rows[1]["question"] = "Completely different: the mail to jo@example.org bounced"
    rows.append({"id": "T-3000", "question": "Call +1 415-555-0199 about my order", "resolution": "Done."})
    changed = tmp_path / "changed.jsonl"
    changed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    recording = RecordingEmbedder(embedder)
    with IndexWriter(
        folder, sessions=sessions, embedder_name=embedder.name, load_embedder=lambda: recording
    ) as w:
        report = import_tickets(sessions, changed)
        update = w.apply(changed=report.changed_ids)
    # only the two changed tickets were embedded, redacted
    assert sorted(recording.seen) == sorted(
        ["Completely different: the mail to [EMAIL] bounced", "Call [PHONE] about my order"]
    )
    assert update.skipped is None and update.embedded == 2 and update.manifest.count == 49

    # an unchanged re-import writes nothing (no new file for the bot to reload)
    with IndexWriter(
        folder, sessions=sessions, embedder_name=embedder.name, load_embedder=lambda: recording
    ) as w:
        again = w.apply(changed=import_tickets(sessions, changed).changed_ids)
    assert again.embedded == 0 and again.manifest.faiss_file == update.manifest.faiss_file
