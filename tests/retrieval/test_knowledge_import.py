"""Help-center articles and Slack history imported into a real database (SQLite and PostgreSQL):
sections cited by title, heading and URL; threads with the agents' replies; bots and broken files
named by file and line; PII redacted; re-imports updating."""

from __future__ import annotations

import json
from pathlib import Path

from supportbot.retrieval.formats import resolve_format
from supportbot.retrieval.formats.helpcenter import MAX_CHUNK
from supportbot.retrieval.importer import import_tickets
from supportbot.retrieval.sources import FieldMap
from tests.retrieval.test_importers import digits, everything, record_line, stored

# --- help center -----------------------------------------------------------------------------------

LONG = " ".join(f"Step {n}: confirm the transfer reference with your bank." for n in range(60))


def refunds(intro: str = "Refunds go back to where you paid.") -> str:
    return f"""---
title: "Refunds"
url: https://help.example.com/refunds
category: billing
---
{intro}

## By card

Card refunds take 3-5 days. Questions: refunds@example.com

```sh
# not a heading: a comment in a code block
```

### Chargebacks

Do not open a chargeback while a refund is pending.

## By bank transfer

{LONG}
"""


def write_help_center(root: Path, intro: str = "Refunds go back to where you paid.") -> None:
    (root / "billing").mkdir(parents=True, exist_ok=True)
    (root / "account").mkdir(exist_ok=True)
    (root / "billing" / "refunds.md").write_text(refunds(intro))
    (root / "account" / "reset-password.md").write_text(
        "Reset your password\n===================\n\nYou can reset it yourself.\n\n"
        "## From the app\n\nTap Profile, then Reset password.\n"
    )
    (root / "shipping.html").write_text(
        "<html><head><title>Shipping times</title>"
        '<link rel="canonical" href="https://help.example.com/shipping"></head>'
        "<body><nav>Home | Contact | Sign in</nav><h1>Shipping times</h1><p>We ship every day.</p>"
        '<h2 id="intl">International</h2><p>5&ndash;10 days; call +44 20 7946 0958.</p>'
        "<script>var tracking = 1;</script></body></html>"
    )
    (root / "broken.md").write_bytes(b"# Broken\n\nline three\nbad \xff byte\n")
    (root / "empty.md").write_text("---\ntitle: Empty\n---\n\n")


def test_help_center_folder(sessions, tmp_path):
    root = tmp_path / "help"
    write_help_center(root)
    assert resolve_format(root) == "helpcenter"
    fields = FieldMap(base_url="https://help.example.com/articles/")
    report = import_tickets(sessions, root, fields=fields, source="help-center")

    assert report.error_lines() == [f"{root / 'broken.md'}:4: not valid UTF-8"]
    assert [(s.file, s.reason) for s in report.skipped] == [
        (str(root / "empty.md"), "an article without text")
    ]
    tickets = stored(sessions)
    pieces = [i for i in tickets if i.startswith("https://help.example.com/refunds#by-bank-transfer")]
    assert len(pieces) == -(-len(LONG) // MAX_CHUNK) and all(
        len(tickets[p].body) <= MAX_CHUNK for p in pieces
    )
    assert set(tickets) - set(pieces) == {
        "https://help.example.com/refunds",
        "https://help.example.com/refunds#by-card",
        "https://help.example.com/refunds#chargebacks",
        "https://help.example.com/articles/account/reset-password#reset-your-password",
        "https://help.example.com/articles/account/reset-password#from-the-app",
        "https://help.example.com/shipping#shipping-times",
        "https://help.example.com/shipping#intl",
    }
    card = tickets["https://help.example.com/refunds#by-card"]
    assert (card.question, card.category, card.source) == ("Refunds — By card", "billing", "help-center")
    assert "# not a heading" in card.body and "[EMAIL]" in card.body and "refunds@" not in everything(card)
    assert card.resolution.endswith("\n\nSource: https://help.example.com/refunds#by-card")
    assert (
        tickets["https://help.example.com/refunds#chargebacks"].question == "Refunds — By card › Chargebacks"
    )
    assert tickets["https://help.example.com/refunds"].question == "Refunds"
    app = tickets["https://help.example.com/articles/account/reset-password#from-the-app"]
    assert (app.question, app.body) == (
        "Reset your password — From the app",
        "Tap Profile, then Reset password.",
    )
    intl = tickets["https://help.example.com/shipping#intl"]
    assert (intl.question, intl.body) == ("Shipping times — International", "5–10 days; call [PHONE].")
    assert digits("+44 20 7946 0958") not in digits(everything(intl))
    html_text = " ".join(everything(t) for i, t in tickets.items() if "shipping" in i)
    assert "Sign in" not in html_text and "tracking" not in html_text  # navigation and scripts dropped

    write_help_center(root, intro="Refunds go back to the card or account you paid with.")
    again = import_tickets(sessions, root, fields=fields, source="help-center")
    assert (again.created, again.updated, again.unchanged) == (0, 1, len(tickets) - 1)
    assert stored(sessions)["https://help.example.com/refunds"].body.endswith("account you paid with.")


def test_articles_without_a_url_are_cited_by_their_path(sessions, tmp_path):
    (tmp_path / "faq.md").write_text(
        "# FAQ\n\n## Opening hours\n\n9 to 5.\n\n## Opening hours\n\nAlso Saturdays.\n"
    )
    report = import_tickets(sessions, tmp_path / "faq.md")
    assert report.created == 2
    tickets = stored(sessions)
    assert set(tickets) == {"faq.md#opening-hours", "faq.md#opening-hours-1"}  # as the page's anchors
    assert tickets["faq.md#opening-hours"].resolution == "9 to 5."  # no URL, no "Source:" line


# --- Slack -----------------------------------------------------------------------------------------

PARENT_TS = "1709251300.000200"


def day_one() -> list:
    return [
        {
            "type": "message",
            "subtype": "channel_join",
            "user": "UCUST1",
            "text": "<@UCUST1> has joined",
            "ts": "1709251200.000100",
        },
        {
            "type": "message",
            "user": "UCUST1",
            "text": "My invoice shows the wrong VAT number, reach me at bob@example.com",
            "ts": PARENT_TS,
            "thread_ts": PARENT_TS,
            "reply_count": 5,
        },
        {"type": "message", "user": "UCUST2", "text": "Is the API down?", "ts": "1709251400.000300"},
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B1",
            "text": "Reminder: office hours",
            "ts": "1709251500.000400",
        },
        {"user": "UCUST2", "text": "no ts here"},
        {
            "user": "UAGENT1",
            "text": "Maintenance tonight at 22:00",
            "ts": "1709260000.000500",
            "thread_ts": "1709260000.000500",
        },
        {"user": "UCUST2", "text": "thanks", "ts": "1709260100.000600", "thread_ts": "1709260000.000500"},
    ]


def day_two(answer: str = "Fixed: Settings &gt; Billing &gt; Tax ID. A new invoice is on its way") -> list:
    thread = {"thread_ts": PARENT_TS}
    return [
        {"user": "UCUST1", "text": "It should be DE123456789", "ts": "1709337600.000100", **thread},
        {"user": "UBOT1", "text": "I am a helpful bot", "ts": "1709337700.000200", **thread},
        {"bot_id": "B2", "subtype": "bot_message", "text": "Auto reply", "ts": "1709337750.000250", **thread},
        {"user": "UAGENT1", "text": f"<@UCUST1> {answer}", "ts": "1709337800.000300", **thread},
        {"user": "UCUST2", "text": "same here!", "ts": "1709337900.000400", **thread},
    ]


def write_slack_export(root: Path, answer: str | None = None) -> str:
    (root / "support").mkdir(parents=True, exist_ok=True)
    users = [
        {"id": "UAGENT1", "name": "alice", "real_name": "Alice Agent"},
        {"id": "UCUST1", "name": "bob"},
        {"id": "UCUST2", "name": "carol"},
        {"id": "UBOT1", "name": "helperbot", "is_bot": True},
    ]
    (root / "users.json").write_text(json.dumps(users))
    (root / "channels.json").write_text(json.dumps([{"id": "C1", "name": "support"}]))
    first = json.dumps(day_one(), indent=2)
    (root / "support" / "2024-03-01.json").write_text(first)
    (root / "support" / "2024-03-02.json").write_text(
        json.dumps(day_two(*([answer] if answer else [])), indent=2)
    )
    return first


def test_slack_export_folder(sessions, tmp_path):
    root = tmp_path / "export"
    first = write_slack_export(root)
    assert resolve_format(root) == "slack"
    fields = FieldMap(agents=("@alice",))  # by name, through users.json
    report = import_tickets(sessions, root, fields=fields, source="slack")

    day = root / "support" / "2024-03-01.json"
    assert report.error_lines() == [
        f"{day}:{record_line(first, 'no ts here')}: a message without a valid 'ts'"
    ]
    assert sorted((s.line, s.reason) for s in report.skipped) == [
        (record_line(first, "Is the API down?"), "no reply by an agent in its thread"),
        (record_line(first, "Maintenance tonight"), "started by an agent"),
    ]
    tickets = stored(sessions)
    assert list(tickets) == [f"slack-support-{PARENT_TS}"]
    ticket = tickets[f"slack-support-{PARENT_TS}"]
    assert ticket.question == "My invoice shows the wrong VAT number, reach me at [EMAIL]"
    assert ticket.body == "It should be DE123456789"  # the asker's follow-up before the answer
    # replies in another day's file; the mention of the customer dropped, Slack's escaping undone
    assert ticket.resolution == "Fixed: Settings > Billing > Tax ID. A new invoice is on its way"
    for dropped in ("helpful bot", "Auto reply", "same here", "has joined", "office hours"):
        assert dropped not in everything(ticket)

    write_slack_export(root, answer="Fixed: the Tax ID field is under Settings &gt; Billing.")
    again = import_tickets(sessions, root, fields=fields, source="slack")
    assert (again.created, again.updated) == (0, 1)
    assert stored(sessions)[f"slack-support-{PARENT_TS}"].resolution.startswith("Fixed: the Tax ID field")


def test_saved_history_and_replies_without_agents(sessions, tmp_path):
    """conversations.history + conversations.replies saved in one file; no --agent: anyone but the
    asker answers, bots still dropped."""
    parent = {
        "type": "message",
        "user": "U1",
        "text": "How do I change my plan? +44 20 7946 0958",
        "ts": "1700000000.000100",
        "thread_ts": "1700000000.000100",
        "reply_count": 2,
    }
    replies = [
        parent,
        {
            "type": "message",
            "user": "U9",
            "text": "Plans: Settings > Plan.",
            "ts": "1700000100.000200",
            "thread_ts": parent["ts"],
        },
        {
            "type": "message",
            "bot_id": "B1",
            "user": "U8",
            "text": "Was this helpful?",
            "ts": "1700000200.000300",
            "thread_ts": parent["ts"],
        },
    ]
    path = tmp_path / "support-history.json"
    text = json.dumps(
        {"ok": True, "messages": [parent], "replies": [{"ok": True, "messages": replies}]}, indent=2
    )
    path.write_text(text)
    assert resolve_format(path) == "slack"
    report = import_tickets(sessions, path)
    assert (report.created, report.failed, len(report.skipped)) == (1, 0, 0)
    ticket = stored(sessions)["slack-support-history-1700000000.000100"]
    assert ticket.question == "How do I change my plan? [PHONE]"
    assert ticket.resolution == "Plans: Settings > Plan."


def test_options_a_format_does_not_use_are_refused(sessions, tmp_path):
    import pytest

    from supportbot.core.errors import InvalidInput

    root = tmp_path / "export"
    write_slack_export(root)
    with pytest.raises(InvalidInput, match="--base-url"):
        import_tickets(sessions, root, fields=FieldMap(base_url="https://x.example"))
    with pytest.raises(InvalidInput, match="--id-field"):
        import_tickets(sessions, root, fields=FieldMap(id="Ticket ID"))
