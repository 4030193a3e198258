from __future__ import annotations

from supportbot.core.identifiers import Masker, find_identifiers, present_past, stated_amounts


def test_mask_and_unmask_round_trip_across_turns():
    m = Masker()
    q1 = m.mask("Order #4821937 arrived broken, I paid $49.99")
    q2 = m.mask("Also order 5550123 and again 4821937")
    assert q1 == "Order #<ORDER_ID> arrived broken, I paid <AMOUNT>"
    assert q2 == "Also order <ORDER_ID_2> and again <ORDER_ID>"
    text, unknown = m.unmask("Refund of <AMOUNT> for order #<ORDER_ID> is on its way; <ORDER_ID_3>?")
    assert text == "Refund of $49.99 for order #4821937 is on its way; <ORDER_ID_3>?"
    assert unknown == ["<ORDER_ID_3>"]


def test_an_amount_is_one_however_it_is_written():
    """One price, "£5" in one reply and "£5.00" in another; a draft saying "£1,299" is backed by a
    ticket's "£1,299.00"; "£2.50" stays apart from "£2.05", "£25" and "£250"."""
    from supportbot.core.grounding import guard

    assert stated_amounts(["Static IP is £5 a month.", "It costs £5.00 a month."]) == {"GBP 5"}
    assert stated_amounts(["A Roam Pass is £2.50 a day.", "£2.05", "£25", "£250"]) == frozenset()
    m = Masker()
    assert (
        m.mask("I paid £5, then £5.00 again, then 5 GBP")
        == "I paid <AMOUNT>, then <AMOUNT> again, then <AMOUNT>"
    )
    backed = guard(
        "The sofa is £1,299.", conversation=["how much is the sofa?"], tickets=["It is £1,299.00."]
    )
    assert backed.ok and backed.interventions == []


def test_an_amount_of_four_digits_or_more_is_an_amount_with_or_without_separators():
    m = Masker()
    assert m.mask("I paid £1299 for order 4821937, then 1500 EUR, then £12,345.00") == (
        "I paid <AMOUNT> for order <ORDER_ID>, then <AMOUNT_2>, then <AMOUNT_3>"
    )
    assert [(i.kind, i.key) for i in find_identifiers("£12345 or $1,299.99")] == [
        ("amount", "GBP 12345"),
        ("amount", "USD 1299.99"),
    ]


def test_an_amount_keeps_its_currency():
    """Two amounts, "$5" and "€5": masked apart, not one price stated by two tickets, and a
    draft's "€5" is not backed by a ticket's "$5"."""
    from supportbot.core.grounding import guard

    assert (
        Masker().mask("I paid $5, then €5, then 5 USD") == "I paid <AMOUNT>, then <AMOUNT_2>, then <AMOUNT>"
    )
    assert stated_amounts(["The add-on is $5 a month.", "The add-on is €5 a month."]) == frozenset()
    assert stated_amounts(["The add-on is $5 a month.", "It is 5 USD a month."]) == {"USD 5"}
    unbacked = guard("The add-on is €5 a month.", conversation=["how much?"], tickets=["It is $5 a month."])
    assert not unbacked.ok
    backed = guard("The add-on is 5 USD a month.", conversation=["how much?"], tickets=["It is $5 a month."])
    assert backed.ok


def test_dates_phones_and_short_numbers_are_not_orders():
    m = Masker()
    text = "On 2024-03-17 call 415-555-0134, wait 30 days, firmware 3.2.14"
    assert m.mask(text) == text


def test_find_identifiers_kinds():
    found = find_identifiers(
        "Order 4821937: refund $12.50 to jo@example.com, see https://help.example.com/x or ticket T-10042."
    )
    assert [(i.kind, i.text) for i in found] == [
        ("order", "4821937"),
        ("amount", "$12.50"),
        ("email", "jo@example.com"),
        ("url", "https://help.example.com/x"),
        ("ticket", "T-10042"),
    ]


def test_a_price_the_team_states_to_everyone_is_shown_another_customers_refund_is_not():
    """A past ticket shown to the next customer keeps the amounts its retrieved tickets state
    alike (a fee, a price) and hides the one customer's own (a refund), whatever amount the new
    customer wrote."""
    from supportbot.core.settings import Settings
    from supportbot.usecases.decide import fallback
    from supportbot.usecases.messages import Source

    roam = "In Europe you'll need a Roam Pass, {}, which is £2.50 a day."
    sources = [
        Source(1, "T-1", 0.9, "Roaming costs?", roam.format("and we refunded £23.47 to order 48213")),
        Source(2, "T-2", 0.8, "Charged abroad", roam.format("so nothing else is due")),
        Source(3, "T-3", 0.7, "Using my phone in Spain", "The Roam Pass is GBP 2.50 a day."),
    ]
    assert stated_amounts(s.resolution for s in sources) == {"GBP 2.50"}
    masker = Masker()
    masker.mask("I was charged £30 on holiday in Croatia, why?")
    decision = fallback(sources, masker=masker, settings=Settings(escalate_below_score=0.1), why="test")
    assert decision.text == (
        "In Europe you'll need a Roam Pass, and we refunded [the amount] to order [your order number],"
        " which is £2.50 a day."
    )
    # the customer's order number is theirs to see; their amount is not what was refunded before
    masker.mask("It's order 77120")
    decision = fallback(sources, masker=masker, settings=Settings(escalate_below_score=0.1), why="test")
    assert "we refunded [the amount] to order 77120," in decision.text
    # one ticket alone states nothing for the team: its amounts stay this customer's to fill
    assert present_past(sources[1].resolution, Masker()) == roam.format("so nothing else is due").replace(
        "£2.50", "[the amount]"
    )
