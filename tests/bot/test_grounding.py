"""The grounding guard on drafted answers: no identifier is sent that nobody gave."""

from __future__ import annotations

from bot.grounding import guard

TICKET = "Refunds go back to the original card within 5 business days. See https://help.example/refunds"


def test_an_invented_order_number_becomes_the_customers_own():
    result = guard(
        "I've checked order #5551234 and it is on its way.",
        conversation=["Where is my order #8812345?"],
        tickets=[TICKET],
    )
    assert result.ok and result.text == "I've checked order #8812345 and it is on its way."
    [intervention] = result.interventions
    assert intervention["action"] == "replaced" and intervention["with"] == "8812345"
    assert "5551234" in intervention["found"]


def test_an_unfilled_placeholder_takes_the_only_order_the_customer_named():
    result = guard("Order #<ORDER_ID> ships today.", conversation=["is 7712345 shipped?"], tickets=[])
    assert result.ok and "7712345" in result.text and "<ORDER_ID>" not in result.text


def test_identifiers_nobody_gave_make_the_draft_unusable():
    for draft in (
        "Your refund of $312.40 is approved.",  # an amount from nowhere
        "Write to billing@brindle.example and we'll sort it.",  # an e-mail address from nowhere
        "Order #5551234 was cancelled.",  # two orders in the conversation: which one?
    ):
        result = guard(draft, conversation=["orders 8812345 and 8812346 both late"], tickets=[TICKET])
        assert not result.ok, draft
        assert result.interventions and result.interventions[-1]["action"] == "unresolved"


def test_identifiers_from_the_conversation_or_the_tickets_pass_untouched():
    draft = "Order #8812345: refunds take 5 business days, see https://help.example/refunds"
    result = guard(draft, conversation=["my order #8812345 was refunded?"], tickets=[TICKET])
    assert result.ok and result.text == draft and result.interventions == []
