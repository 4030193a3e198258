"""A past reply's salutation names its customer and its sign-off its agent: neither reaches
another customer (core.salutation), on import and in training data alike."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import select

from supportbot.core.models import Ticket
from supportbot.core.salutation import (
    learn_signatures,
    model_reply,
    neutral_reply,
    neutral_salutation,
    template_blanks,
    without_signoff,
)
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
        f"{BODY}\n\nThanks, Sam",
        f"{BODY} Cheers, Sam",
        f"{BODY}\n\nCheers,\nMary-Jane",
        f"{BODY}\n\nKind regards,\nMarcus\n[EMAIL]",
        f"{BODY}\n\n-- \nSam",
        f"{BODY}\r\n\r\nBest wishes,\r\nPriya | Larkspur Customer Care",
        f"{BODY}\n\nThanks,\nNadia (Brightwire Support)",  # the team in brackets
        f"{BODY} Take care!\n\nIfeoma\nBrightwire Support · Glasgow",
    ],
)
def test_an_agents_signoff_is_taken_off(signed):
    assert without_signoff(signed) == BODY
    assert without_signoff(BODY) == BODY  # once off, nothing more goes


@pytest.mark.parametrize(
    "content",
    [
        "You'll find it under:\n\nOrders > Track parcel",  # a menu path ends the reply
        "Our membership is called:\n\nLarkspur Plus",  # a name after a colon is the answer
        "You'll find it under:\n\nBest Sellers",  # not a closing word and a name
        "That design is in our range called:\nThank You Cards",
        "Go to your account page and choose\nAccount Settings",  # no paragraph, no closing word
        "Open the app and tap this.\n\nAccount Settings",  # a paragraph, but no team signs so
        "Please post it to our warehouse.\n\nLarkspur Returns\nMill Lane\nLeeds",  # an address
        "We stock three sizes.\n\n- Small\n- Medium\n- Large",
        "Your code is below.\n\nSAVE10",
        "Reset the router. Thanks!",  # a closing sentence, nobody's name
        "Cheers",  # nothing would be left
        "Explained the returns window to the customer.",
        "Your order shipped. Thank you, it will arrive on Monday",  # a closing word, then content
        "Your order shipped. Thanks - your refund is on its way",
        "Pick one of these.\n\n— Fibre 500",  # a dash and a plan once: content
    ],
)
def test_content_at_the_end_of_a_reply_stays(content):
    assert without_signoff(content) == content


def test_a_signature_without_a_closing_word_is_known_by_how_many_replies_end_with_it():
    """ "Jo x" over "Team Larkspur" after a finished sentence reads like content ("Account
    Settings") in one reply; it is an agent's signature because it ends many of them."""
    signed = [f"{BODY}\n\nHave a lovely day!\n\nJo x\nTeam Larkspur"] * 5
    signed += [f"{BODY} Hope that helps!\n\nDev - Larkspur Support"] * 5
    signed += [f"{BODY} Any bother, give me a shout.\n\n— Tom, Brightwire"] * 5  # a dash, then the name
    once = f"{BODY}\n\nAccount Settings"
    signatures = learn_signatures([*signed, once, *[BODY] * 20])
    assert signatures == {"Jo x\nTeam Larkspur", "Dev - Larkspur Support", "— Tom, Brightwire"}
    assert without_signoff(signed[-1], signatures) == f"{BODY} Any bother, give me a shout."
    # a list ending many replies is a macro's content, not a signature
    listed = [f"{BODY} Pick one:\n\n- Small\n- Large"] * 10
    assert learn_signatures(listed) == frozenset()
    assert without_signoff(signed[0], signatures) == f"{BODY}\n\nHave a lovely day!"
    assert without_signoff(signed[5], signatures) == f"{BODY} Hope that helps!"
    assert without_signoff(signed[0]) == signed[0]  # unknown: kept
    assert without_signoff(once, signatures) == once
    # the same ending on a few replies only is not a signature
    assert learn_signatures([once] * 3 + [BODY] * 400) == frozenset()


def test_the_past_customers_name_leaves_the_salutation():
    assert neutral_salutation("Hi Ravi,\n\nThe label is attached.") == "Hi,\n\nThe label is attached."
    assert neutral_salutation("Dear Ms Leah Smith,\nThanks.") == "Hello,\nThanks."
    assert neutral_salutation("Hi there,\nThanks.") == "Hi there,\nThanks."
    assert neutral_reply(f"Hey Amelia!\n\n{BODY} Cheers\n\nJo") == f"Hey!\n\n{BODY}"
    # on a line of its own, after a dash, before an emoji, after the time of day; the blank line kept
    assert neutral_salutation(f"Hi Gemma\n\n{BODY}") == f"Hi,\n\n{BODY}"
    assert neutral_salutation(f"Gemma -\n\n{BODY}") == f"Hello,\n\n{BODY}"
    assert neutral_salutation(f"Hello Gemma 😊\n\n{BODY}") == f"Hello,\n\n{BODY}"
    assert neutral_salutation(f"Morning Gemma!\n\n{BODY}") == f"Morning!\n\n{BODY}"
    assert neutral_salutation(f"Evening deliveries are on Thursdays. {BODY}").startswith("Evening deliveries")


def test_imported_replies_and_training_targets_carry_no_agents_name(sessions, tmp_path):
    export = tmp_path / "helpdesk.csv"
    with export.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Ticket ID", "Subject", "Public reply"])
        out.writerow(["L-1", "Refund to an expired card?", f"Hi Ines,\n\n{BODY} Cheers\n\nSam"])
        out.writerow(["L-2", "Where does my refund go?", f"Dear Aisha,\n\n{BODY}\n\nDev - Larkspur Support"])
        for n in range(3, 6):  # Dev signs every reply alike: that is what makes it a signature
            out.writerow([f"L-{n}", f"Refund question {n}", f"Hi,\n\n{BODY}\n\nDev - Larkspur Support"])
        out.writerow(
            ["L-6", "Where is the setting?", "Hi,\n\nOpen the app and tap this.\n\nAccount Settings"]
        )
    fields = FieldMap(id="Ticket ID", question=("Subject",), answer="Public reply")
    report = import_tickets(sessions, export, fields=fields)
    assert report.created == 6
    with sessions() as s:
        stored = {t.external_id: t.resolution for t in s.scalars(select(Ticket)).all()}
    assert stored["L-1"] == f"Hi,\n\n{BODY}" and stored["L-2"] == f"Hello,\n\n{BODY}"
    assert stored["L-3"] == f"Hi,\n\n{BODY}"
    assert stored["L-6"].endswith("Account Settings")  # content, not a signature

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


@pytest.mark.parametrize(
    ("drafted", "sent"),
    [
        (f"Dear [Customer's Name],\n\n{BODY}\n\nBest regards,\n[Your Name]\n[Your Position]\n[Company Name]",
         f"Hello,\n\n{BODY}"),
        (f"Hi [Name]! {BODY}\n\n[Your Name]", f"Hi! {BODY}"),
        (f"{BODY} Kind regards, [Your Name]", BODY),
        (f"{BODY}\n\nBest regards,\nThe Support Team", BODY),
        (BODY, BODY),
    ],
)  # fmt: skip
def test_a_letter_templates_salutation_and_signoff_leave_the_models_answer(drafted, sent):
    assert model_reply(drafted) == sent and template_blanks(sent) == []


def test_a_blank_for_the_customer_to_fill_is_found_but_not_a_redaction_or_a_link():
    assert template_blanks("Refunds take [number of days] days to [your bank].") == [
        "[number of days]",
        "[your bank]",
    ]
    assert template_blanks("We sent it to [EMAIL]. See [Orders](https://shop.example/orders).") == []


def test_each_reply_of_a_helpdesk_thread_is_cleaned_on_its_own(sessions, tmp_path):
    """A Zendesk ticket answered twice: both replies greet the customer and are signed, the first
    in the middle of the ticket's resolution. Neither name reaches the index or the training data."""
    from supportbot.training.data import load_file

    first = f"Hi Oluwaseun,\n\n{BODY}\n\nBest,\nRuth M.\nBrightwire Help Team"
    second = "Hi Oluwaseun,\n\nOf course, I've sent a summary.\n\nBest,\nRuth M.\nBrightwire Help Team"
    ticket = {
        "id": 7,
        "subject": "Refund to an old card",
        "requester_id": 1,
        "comments": [
            {"id": 1, "author_id": 1, "public": True, "plain_body": "Where does my refund go?"},
            {"id": 2, "author_id": 9, "public": True, "plain_body": first},
            {"id": 3, "author_id": 1, "public": True, "plain_body": "Can you e-mail me that?"},
            {"id": 4, "author_id": 9, "public": True, "plain_body": second},
        ],
    }
    export = tmp_path / "zendesk.json"
    export.write_text(json.dumps({"tickets": [ticket]}))
    assert import_tickets(sessions, export, fmt="zendesk").created == 1
    with sessions() as s:
        stored = s.scalars(select(Ticket)).one().resolution
    assert stored == f"Hi,\n\n{BODY}\n\nHi,\n\nOf course, I've sent a summary."
    loaded, _ = load_file(export)
    assert loaded[0].messages[1]["content"] == stored
