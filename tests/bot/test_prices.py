"""The team's prices, from its tickets to the customer: the prompt shows a price the tickets state
alike, the model's answer saying it is sent as drafted, and one past customer's refund is neither
shown to the model nor sent (core.prompt.context_tickets, usecases.decide.as_prompted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bot.test_ask import ask
from tests.scripted_model import scripted_model

TICKETS = [
    ("Do you offer a static IP?", "Yes, the Static IP add-on is £5 a month on any fibre plan, and you can cancel it any time."),
    ("How much is a fixed IP address?", "A fixed address is the Static IP add-on: £5 a month on any fibre plan, cancel any time."),
    ("Static IP price for my CCTV?", "For CCTV you need the Static IP add-on, £5 a month on any fibre plan."),
    ("I overpaid, refund the credit please", "You have a credit balance of £42.50; tap Request a refund in the app."),
    ("Refund my credit balance after leaving", "There is a credit balance of £18 left; tap Request a refund in the app."),
    ("I paid my bill twice, money back?", "Your account shows a credit balance of £30; tap Request a refund in the app."),
]  # fmt: skip


@pytest.fixture
def priced_home(tmp_path, embedder) -> Path:
    from supportbot.core.db import make_engine, session_factory, upgrade
    from supportbot.retrieval.importer import import_tickets
    from supportbot.retrieval.index_builder import build_index

    home = tmp_path / "home"
    home.mkdir()
    rows = tmp_path / "tickets.jsonl"
    rows.write_text(
        "".join(
            json.dumps({"id": f"P-{n}", "question": q, "resolution": r}) + "\n"
            for n, (q, r) in enumerate(TICKETS)
        )
    )
    engine = make_engine(f"sqlite:///{home / 'supportbot.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    assert import_tickets(sessions, rows).failed == 0
    build_index(sessions=sessions, folder=home / "index", embedder=embedder, kind_setting="flat")
    engine.dispose()
    return home


def test_a_price_its_tickets_state_is_said_by_the_model_and_a_past_refund_is_not(priced_home):
    with scripted_model() as (script, url):
        script.text = (
            "Yes, the Static IP add-on is £5 a month on any fibre plan, and you can cancel it any time."
        )
        priced = ask(priced_home, url, "How much does a static IP cost on fibre?", "--json")
        assert priced.returncode == 0, priced.stderr
        [row] = [json.loads(line) for line in priced.stdout.splitlines()]
        prompt = json.dumps(script.requests[-1]["messages"], ensure_ascii=False)
        assert "£5 a month" in prompt and "<AMOUNT>" not in prompt
        assert row["outcome"] == "model", row
        assert row["answer"] == script.text

        script.text = "You have a credit balance of £42.50; tap Request a refund in the app."
        refund = ask(priced_home, url, "I overpaid my bill, can I have the credit back?", "--json")
        assert refund.returncode == 0, refund.stderr
        [row] = [json.loads(line) for line in refund.stdout.splitlines()]
        prompt = json.dumps(script.requests[-1]["messages"], ensure_ascii=False)
        assert "£42.50" not in prompt and "<AMOUNT>" in prompt
        assert row["outcome"] != "model" and "£42.50" not in row["answer"], row
        assert "could not back up" in row["reason"]
