from __future__ import annotations

from supportbot.core.identifiers import Masker, find_identifiers


def test_mask_and_unmask_round_trip_across_turns():
    m = Masker()
    q1 = m.mask("Order #4821937 arrived broken, I paid $49.99")
    q2 = m.mask("Also order 5550123 and again 4821937")
    assert q1 == "Order #<ORDER_ID> arrived broken, I paid <AMOUNT>"
    assert q2 == "Also order <ORDER_ID_2> and again <ORDER_ID>"
    text, unknown = m.unmask("Refund of <AMOUNT> for order #<ORDER_ID> is on its way; <ORDER_ID_3>?")
    assert text == "Refund of $49.99 for order #4821937 is on its way; <ORDER_ID_3>?"
    assert unknown == ["<ORDER_ID_3>"]


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
