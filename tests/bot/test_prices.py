"""The team's prices, from its tickets to the customer: the prompt shows a price the tickets state
alike, the model's answer saying it is sent as drafted, and one past customer's refund is neither
shown to the model nor sent (core.prompt.context_tickets, usecases.decide.as_prompted)."""

from __future__ import annotations

import json

from tests.bot.test_ask import ask
from tests.scripted_model import scripted_model


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
