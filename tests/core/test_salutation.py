"""A past reply's salutation names its customer and its sign-off its agent: neither reaches
another customer (core.salutation), on import and in training data alike."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import select

from supportbot.core.models import Ticket
from supportbot.core.salutation import neutral_reply, neutral_salutation, without_signoff
from supportbot.retrieval.importer import import_tickets
from supportbot.retrieval.sources import FieldMap
from supportbot.training.data import load_chat_jsonl, prepare, write_jsonl

BODY = "Refunds go back to the original card. If your bank rejects it, we'll send an e-gift card."


@pytest.mark.parametrize(
    "signed",
    [
        f"{BODY} Cheers\n\nSam",
        f"{BODY}\n\nBest wishes,\nPriya | Larkspur Customer Care",
        f"{BODY} Kind regards,\n\nMarcus\nLarkspur & Co",
        f"{BODY}\n\nYours sincerely,\nHelen Carter\nCustomer Care Team",
        f"{BODY}\n\nJo x\nTeam Larkspur",
        f"{BODY}\n\nDev - Larkspur Support",
        f"{BODY}\n\nThanks, Sam",
    ],
)
def test_an_agents_signoff_is_taken_off(signed):
    assert without_signoff(signed) == BODY


@pytest.mark.parametrize(
    "content",
    [
        "You'll find it under:\n\nOrders > Track parcel",  # a menu path ends the reply
        "Our membership is called:\n\nLarkspur Plus",  # a name after a colon is the answer
        "Go to your account page and choose\nAccount Settings",  # no paragraph, no closing word
        "Reset the router. Thanks!",  # a closing sentence, nobody's name
        "Cheers",  # nothing would be left
        "Explained the returns window to the customer.",
    ],
)
def test_content_at_the_end_of_a_reply_stays(content):
    assert without_signoff(content) == content


def test_the_past_customers_name_leaves_the_salutation():
    assert neutral_salutation("Hi Ravi,\n\nThe label is attached.") == "Hi,\n\nThe label is attached."
    assert neutral_salutation("Dear Ms Leah Smith,\nThanks.") == "Hello,\nThanks."
    assert neutral_salutation("Hi there,\nThanks.") == "Hi there,\nThanks."
    assert neutral_reply(f"Hey Amelia!\n\n{BODY}\n\nJo x\nTeam Larkspur") == f"Hey!\n\n{BODY}"


def test_imported_replies_and_training_targets_carry_no_agents_name(sessions, tmp_path):
    export = tmp_path / "helpdesk.csv"
    with export.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Ticket ID", "Subject", "Public reply"])
        out.writerow(["L-1", "Refund to an expired card?", f"Hi Ines,\n\n{BODY} Cheers\n\nSam"])
        out.writerow(["L-2", "Where does my refund go?", f"Dear Aisha,\n\n{BODY}\n\nDev - Larkspur Support"])
    fields = FieldMap(id="Ticket ID", question=("Subject",), answer="Public reply")
    report = import_tickets(sessions, export, fields=fields)
    assert report.created == 2
    with sessions() as s:
        stored = sorted(s.scalars(select(Ticket.resolution)).all())
    assert stored == [f"Hello,\n\n{BODY}", f"Hi,\n\n{BODY}"]

    logs = tmp_path / "chats.jsonl"
    row = {
        "id": "c1",
        "messages": [
            {"role": "user", "content": "Where does my refund go?"},
            {
                "role": "assistant",
                "content": f"Hi Ines,\n\n{BODY}\n\nBest wishes,\nPriya | Larkspur Customer Care",
            },
        ],
    }
    logs.write_text(json.dumps(row) + "\n")
    loaded, _ = load_chat_jsonl(logs)
    written = write_jsonl(tmp_path / "train.jsonl", prepare(loaded, val_fraction=0.0).train).read_text()
    assert "Priya" not in written and "Best wishes" not in written and "Ines" not in written
    assert "e-gift card" in written
