"""Reading exports: field mapping and the report of every bad row by line."""

from __future__ import annotations

import json

import pytest

from supportbot.core.errors import InvalidInput
from supportbot.retrieval.sources import FieldMap, Record, RowError, read_records


def records(path, **kwargs):
    items = list(read_records(path, **kwargs))
    return [i for i in items if isinstance(i, Record)], [i for i in items if isinstance(i, RowError)]


def test_jsonl_defaults_and_every_kind_of_bad_line(tmp_path):
    path = tmp_path / "t.jsonl"
    lines = [
        json.dumps(
            {"id": "A-1", "question": "Where is my order?", "resolution": "On its way.", "category": "ship"}
        ),
        "",
        json.dumps(
            {"id": 17, "subject": "Login", "body": "Cannot log in on my phone", "resolution": "Reset it."}
        ),
        '{"id": "A-3", "question": "broken',
        json.dumps(["not", "an", "object"]),
        json.dumps({"question": "no id", "resolution": "x"}),
        json.dumps({"id": "A-6", "question": "  ", "resolution": "x"}),
        json.dumps({"id": "A-7", "question": "no answer"}),
        json.dumps({"id": "x" * 200, "question": "q", "resolution": "r"}),
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": "A-9", "question": "caf\xe9"}\n')
    good, bad = records(path)
    assert good == [
        Record(1, "A-1", "Where is my order?", None, "On its way.", "ship"),
        Record(3, "17", "Login", "Cannot log in on my phone", "Reset it.", None),
    ]
    assert [(e.line, e.reason.split(":")[0]) for e in bad] == [
        (4, "invalid JSON"),
        (5, "not a JSON object but list"),
        (6, "no ticket id (field 'id')"),
        (7, "ticket A-6"),
        (8, "ticket A-7"),
        (9, "ticket id longer than 128 characters"),
        (10, "not valid UTF-8 (byte 31 of the line)"),
    ]
    assert "no question" in bad[3].reason and "no resolution" in bad[4].reason


def test_csv_export_with_its_own_column_names(tmp_path):
    """A Zendesk-style export: capitalised headers, subject + description, quoted newlines."""
    path = tmp_path / "zendesk.csv"
    path.write_text(
        "Id,Subject,Description,Resolution,Group\r\n"
        '101,Refund missing,"I returned the item, where is my money?\nIt has been 2 weeks.",'
        "Refunds take 10 days.,Billing\r\n"
        "102,Crash,,Update the app.,Tech\r\n"
        "103,Only two fields\r\n"
        "104,,,Nothing asked,Tech\r\n"
        '105,Wifi,"Camera offline",Use 2.4 GHz,"Devices"\r\n',
        encoding="utf-8",
    )
    fields = FieldMap(id="id", question=("subject", "description"), answer="resolution", category="group")
    good, bad = records(path, fields=fields)
    assert [(r.line, r.external_id, r.question, r.body, r.category) for r in good] == [
        (
            2,
            "101",
            "Refund missing",
            "I returned the item, where is my money?\nIt has been 2 weeks.",
            "Billing",
        ),
        (4, "102", "Crash", None, "Tech"),
        (7, "105", "Wifi", "Camera offline", "Devices"),
    ]
    # line numbers are the physical lines where each row starts (row 101 spans lines 2-3)
    assert [(e.line, e.reason) for e in bad] == [
        (5, "expected 5 fields as in the header, found 2"),
        (6, "ticket 104: no question (field 'subject', 'description')"),
    ]


def test_csv_semicolons_bom_and_bad_bytes(tmp_path):
    path = tmp_path / "fd.csv"
    path.write_bytes(
        "\ufeffticket_id;question;answer\n1;Où est ma commande ?;En route\n".encode()
        + b"2;bad \xff byte;x\n"
        + "3;Mot de passe oublié;Réinitialiser\n".encode()
    )
    good, bad = records(path, fields=FieldMap(id="ticket_id", answer="answer", category=None))
    assert [(r.external_id, r.question, r.resolution) for r in good] == [
        ("1", "Où est ma commande ?", "En route"),
        ("3", "Mot de passe oublié", "Réinitialiser"),
    ]
    assert [(e.line, e.reason) for e in bad] == [(3, "not valid UTF-8")]


def test_format_comes_from_the_name_or_the_flag(tmp_path):
    path = tmp_path / "tickets.export"
    path.write_text('{"id": 1, "question": "q", "resolution": "r"}\n')
    with pytest.raises(InvalidInput, match="--format"):
        records(path)
    good, _ = records(path, fmt="jsonl")
    assert [r.external_id for r in good] == ["1"]
