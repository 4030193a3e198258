"""Helpdesk exports (Zendesk, Freshdesk, Intercom) imported into a real database (SQLite and
PostgreSQL): what becomes the question and the resolution, internal notes never stored, PII
redacted, broken records named by their line, re-imports updating."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from supportbot.core.models import Ticket
from supportbot.retrieval.formats import resolve_format
from supportbot.retrieval.importer import import_tickets


def stored(sessions) -> dict[str, SimpleNamespace]:
    with sessions() as s:
        return {
            t.external_id: SimpleNamespace(
                question=t.question,
                body=t.body,
                resolution=t.resolution,
                category=t.category,
                source=t.source,
            )
            for t in s.scalars(select(Ticket))
        }


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def record_line(text: str, needle: str) -> int:
    """The line of the ``{`` that opens the (flat) object holding ``needle``."""
    return line_of(text, text[text.rindex("{", 0, text.index(needle)) :])


def everything(ticket: SimpleNamespace) -> str:
    return " ".join(filter(None, (ticket.question, ticket.body, ticket.resolution)))


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# --- Zendesk ---------------------------------------------------------------------------------------


def zendesk_tickets(reply: str = "I refunded the second charge; it shows in 3-5 days.") -> list:
    return [
        {
            "id": 101,
            "subject": "Charged twice",
            "description": "I was charged twice. Mail jo.customer@example.com or call +44 20 7946 0958",
            "requester_id": 1,
            "status": "solved",
            "tags": ["billing"],
            "comments": [
                {
                    "author_id": 1,
                    "public": True,
                    "body": "I was charged twice. Mail jo.customer@example.com or call +44 20 7946 0958",
                },
                {
                    "author_id": 9,
                    "public": False,
                    "body": "INTERNAL: finance approved, customer is on the watch list",
                },
                {"author_id": 9, "public": True, "plain_body": reply, "body": "**markdown** version"},
                {"author_id": 1, "public": True, "body": "Thanks!"},
                {"author_id": 10, "public": True, "body": "Anything else we can do?"},
            ],
        },
        {"id": 102, "subject": "Broken one", "requester_id": 2, "comments": []},
        {
            "id": 103,
            "subject": "Still waiting",
            "requester_id": 2,
            "comments": [
                {"author_id": 2, "public": True, "body": "Hello?"},
                {"author_id": 9, "public": False, "body": "INTERNAL: ignore, spammer"},
            ],
        },
        {
            "id": 104,
            "subject": "Login",
            "description": "Customer called: cannot log in after the update",
            "requester_id": 3,
            "comments": [
                {"author_id": 9, "public": True, "body": "Customer called: cannot log in after the update"},
                {"author_id": 9, "public": True, "body": "I sent a password reset link."},
            ],
        },
        {"subject": "No id at all", "requester_id": 4, "comments": []},
    ]


def write_zendesk(path: Path, tickets: list) -> str:
    text = json.dumps({"tickets": tickets, "count": len(tickets)}, indent=2)
    text = text.replace('"subject": "Broken one"', '"subject": "Broken one')  # an unclosed string
    path.write_text(text)
    return text


def test_zendesk_export(sessions, tmp_path):
    path = tmp_path / "zendesk.json"
    text = write_zendesk(path, zendesk_tickets())
    assert resolve_format(path) == "zendesk"
    report = import_tickets(sessions, path, fmt="zendesk", source="zendesk")

    assert (report.created, report.updated, report.failed) == (2, 0, 2)
    broken, no_id = line_of(text, '"subject": "Broken one'), record_line(text, '"No id at all"')
    assert report.error_lines() == [
        # the decoder's message and column: the raw newline that ends the unclosed string
        f"{path}:{broken}: invalid JSON: Invalid control character at at column "
        f"{len(text.splitlines()[broken - 1]) + 1} (the record from line {record_line(text, 'Broken one')})",
        f"{path}:{no_id}: no ticket id (field 'id')",
    ]
    assert [(s.line, s.reason) for s in report.skipped] == [
        (record_line(text, '"id": 103'), "no public reply by an agent")
    ]
    assert report.redacted == {"email": 1, "phone": 1}  # in the body of 101

    tickets = stored(sessions)
    assert set(tickets) == {"zendesk-101", "zendesk-104"}
    first = tickets["zendesk-101"]
    assert first.question == "Charged twice"
    assert first.body == "I was charged twice. Mail [EMAIL] or call [PHONE]"
    assert first.resolution.endswith(
        "I refunded the second charge; it shows in 3-5 days.\n\nAnything else we can do?"
    )
    assert "Thanks!" not in first.resolution and "markdown" not in first.resolution
    for ticket in tickets.values():
        assert "INTERNAL" not in everything(ticket) and ticket.source == "zendesk"
        assert "jo.customer@example.com" not in everything(ticket)
        assert digits("+44 20 7946 0958") not in digits(everything(ticket))
    # an agent opened 104 for the customer: that comment is the question, not the answer
    assert (tickets["zendesk-104"].body, tickets["zendesk-104"].resolution) == (
        "Customer called: cannot log in after the update",
        "I sent a password reset link.",
    )

    write_zendesk(path, zendesk_tickets(reply="The duplicate charge is refunded."))
    again = import_tickets(sessions, path, source="zendesk")
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    after = stored(sessions)
    assert set(after) == {"zendesk-101", "zendesk-104"}
    assert "The duplicate charge is refunded." in after["zendesk-101"].resolution


def test_zendesk_agents_by_role_or_by_option(sessions, tmp_path):
    """Sideloaded users' roles tell agents: a CC'd customer's public comment is no resolution."""
    ticket = {
        "id": 7,
        "subject": "Invoice address",
        "requester_id": 1,
        "comments": [
            {"author_id": 1, "public": True, "body": "Change my invoice address please"},
            {"author_id": 2, "public": True, "body": "(a colleague, CC'd) same for me"},
            {"author_id": 9, "public": True, "body": "Done: Settings > Billing."},
        ],
    }
    path = tmp_path / "page.json"
    path.write_text(
        json.dumps(
            {"tickets": [ticket], "users": [{"id": 9, "role": "agent"}, {"id": 2, "role": "end-user"}]}
        )
    )
    import_tickets(sessions, path)
    assert stored(sessions)["zendesk-7"].resolution == "Done: Settings > Billing."

    no_roles = tmp_path / "plain.json"
    no_roles.write_text(json.dumps([ticket]))
    import_tickets(sessions, no_roles)  # anyone but the requester: the colleague too
    assert stored(sessions)["zendesk-7"].resolution.startswith("(a colleague")


# --- Freshdesk -------------------------------------------------------------------------------------


def freshdesk_lines(reply: str = "Your parcel was re-shipped; tracking follows by email.") -> list[str]:
    return [
        json.dumps(
            {
                "id": 201,
                "subject": "Order late",
                "description": "<div>Where is order 7781?</div>",
                "description_text": "Where is order 7781? Call me on +1 415-555-0199",
                "requester_id": 50,
                "type": "Shipping",
                "conversations": [
                    {"body_text": "Any news?", "incoming": True, "private": False, "user_id": 50},
                    {
                        "body_text": "NOTE: the carrier lost it",
                        "incoming": False,
                        "private": True,
                        "user_id": 7,
                    },
                    {"body": "<p>" + reply + "</p>", "incoming": False, "private": False, "user_id": 7},
                ],
            }
        ),
        '{"id": 202, "subject": "broken"',
        json.dumps(
            {
                "id": 203,
                "subject": "Only a note",
                "description_text": "Help",
                "requester_id": 51,
                "conversations": [
                    {"body_text": "NOTE: spam", "incoming": False, "private": True, "user_id": 7}
                ],
            }
        ),
        json.dumps({"id": 204, "subject": "Odd", "description_text": "x", "conversations": "none"}),
    ]


def test_freshdesk_json_lines(sessions, tmp_path):
    path = tmp_path / "freshdesk.json"  # JSON Lines, though named .json
    path.write_text("\n".join(freshdesk_lines()) + "\n")
    assert resolve_format(path) == "freshdesk"
    report = import_tickets(sessions, path, fields=_fields(category="type"))
    assert report.error_lines() == [
        f"{path}:2: invalid JSON: Expecting ',' delimiter at column 32",
        f"{path}:4: ticket freshdesk-204: 'conversations' is not a list",
    ]
    assert [(s.line, s.reason) for s in report.skipped] == [(3, "no public reply by an agent")]
    ticket = stored(sessions)["freshdesk-201"]
    assert (ticket.question, ticket.category) == ("Order late", "Shipping")
    assert ticket.body == "Where is order 7781? Call me on [PHONE]"
    assert ticket.resolution == "Your parcel was re-shipped; tracking follows by email."  # HTML made text
    assert "carrier lost" not in everything(ticket) and "Any news" not in everything(ticket)

    path.write_text("\n".join(freshdesk_lines(reply="Re-shipped with express delivery.")) + "\n")
    again = import_tickets(sessions, path, fields=_fields(category="type"))
    assert (again.created, again.updated) == (0, 1)
    assert list(stored(sessions)) == ["freshdesk-201"]


def _fields(**kwargs):
    from supportbot.retrieval.sources import FieldMap

    return FieldMap(**kwargs)


# --- Intercom --------------------------------------------------------------------------------------


def _part(part_type: str, author: str, body: str | None) -> dict:
    return {
        "type": "conversation_part",
        "part_type": part_type,
        "body": body,
        "author": {"type": author, "id": "1"},
    }


def intercom_conversations(closing: str = "Closing — glad it works!") -> list:
    return [
        {
            "type": "conversation",
            "id": "9001",
            "source": {
                "type": "conversation",
                "subject": "",
                "body": "<p>My card <b>keeps</b> getting declined</p><p>I am sam@example.org</p>",
                "author": {"type": "user", "id": "77"},
            },
            "conversation_parts": {
                "type": "conversation_part.list",
                "conversation_parts": [
                    _part("note", "admin", "<p>Internal: fraud flag on this account</p>"),
                    _part("comment", "bot", "<p>Fin: have you tried turning it off?</p>"),
                    _part("assignment", "admin", None),
                    _part("comment", "admin", "<p>Please re-enter the card.<br>Then try again.</p>"),
                    _part("comment", "user", "<p>ok that worked</p>"),
                    _part("close", "admin", f"<p>{closing}</p>"),
                ],
            },
        },
        [1, 2],
        {
            "type": "conversation",
            "id": "9003",
            "source": {"body": "<p>How can we help with your trial?</p>", "author": {"type": "admin"}},
            "conversation_parts": {
                "conversation_parts": [
                    _part("comment", "user", "<p>How do I export my data?</p>"),
                    _part(
                        "comment",
                        "admin",
                        "<p>Settings &gt; Export, then <a href='https://app.example.com/export'>Download</a>.</p>",
                    ),
                ]
            },
        },
        {
            "id": "9004",
            "source": {"body": "<p>Hello?</p>", "author": {"type": "lead"}},
            "conversation_parts": {"conversation_parts": [_part("note", "admin", "<p>Internal: ignore</p>")]},
        },
    ]


def test_intercom_export(sessions, tmp_path):
    path = tmp_path / "intercom.json"
    text = json.dumps({"type": "conversation.list", "conversations": intercom_conversations()}, indent=2)
    path.write_text(text)
    assert resolve_format(path) == "intercom"
    report = import_tickets(sessions, path)
    broken = line_of(text, "[\n      1,")  # the second element: a list
    assert report.error_lines() == [f"{path}:{broken}: not a JSON object but list"]
    assert [s.reason for s in report.skipped] == ["no reply by an admin"]
    tickets = stored(sessions)
    assert set(tickets) == {"intercom-9001", "intercom-9003"}
    card = tickets["intercom-9001"]
    assert card.question == "My card keeps getting declined\n\nI am [EMAIL]"
    assert card.resolution == "Please re-enter the card.\nThen try again.\n\nClosing — glad it works!"
    for dropped in ("fraud flag", "Fin:", "ok that worked"):
        assert dropped not in everything(card)
    trial = tickets["intercom-9003"]
    assert trial.question == "How do I export my data?"  # the customer's, not the outbound message
    assert trial.resolution == "Settings > Export, then Download (https://app.example.com/export)."

    path.write_text(json.dumps({"conversations": intercom_conversations(closing="Solved.")}, indent=2))
    again = import_tickets(sessions, path)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert stored(sessions)["intercom-9001"].resolution.endswith("Solved.")


def test_a_json_array_on_one_line_stops_at_the_broken_record(sessions, tmp_path):
    """Without lines to resume at, the records before the break are imported and the break named."""
    good = json.dumps(zendesk_tickets()[0])
    path = tmp_path / "one-line.json"
    text = f'[{good}, {{"id": 5, "subject": }}, {good}]'
    path.write_text(text)
    report = import_tickets(sessions, path)
    assert report.created == 1
    column = text.index(": }") + 3  # 1-based, of the "}" where a value should be
    assert report.error_lines() == [f"{path}:1: invalid JSON: Expecting value at column {column}"]


def test_json_records_are_named_by_the_line_they_start_on():
    """A missing comma between two records, and JSON Lines whose first line is broken: every
    readable record still comes out, each with its own line."""
    from supportbot.retrieval.formats.jsondoc import Doc, Item, items

    def read(text: str) -> list:
        return [
            (i.line, i.value["id"]) if isinstance(i, Item) else (i.line, i.reason)
            for i in items(Doc(text, []), ())
        ]

    assert read('[\n  {\n    "id": 1\n  }\n  {\n    "id": 2\n  }\n]') == [
        (2, 1),
        (5, "invalid JSON: expected ',' or ']' after the record on line 4"),
        (5, 2),
    ]
    assert read('{"id": 1, "x": \n{"id": 2}\n{"id": 3}\n') == [
        (1, "invalid JSON: Expecting value at column 16"),
        (2, 2),
        (3, 3),
    ]
