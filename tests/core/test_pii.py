from __future__ import annotations

import pytest

from core.pii import iban_ok, luhn_ok, redact


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mail me at jane.doe42@examplemail.com please", "email"),
        ("call +1 415-555-0134 after 5", "phone"),
        ("my number is (415) 555 0134", "phone"),
        ("UK office +44 20 7946 0958", "phone"),
        ("card 4111 1111 1111 1111 was charged", "card"),
        ("card 5500-0000-0000-0004", "card"),
        ("paid with 4012888888881881", "card"),
        ("IBAN DE89 3704 0044 0532 0130 00 for the refund", "iban"),
        ("IBAN GB82WEST12345698765432", "iban"),
    ],
)
def test_each_kind_is_redacted(text, kind):
    result = redact(text)
    assert result.counts[kind] == 1, result
    assert f"[{kind.upper()}]" in result.text


@pytest.mark.parametrize(
    "text",
    [
        "order #4821937 has not arrived",
        "I paid $1,299.00 on 2024-03-17",
        "the code 4111 1111 1111 1112 fails the Luhn check",  # not a card: left for the human
        "model BR-2040 firmware 3.2.14",
        "reference 12345678",
    ],
)
def test_order_numbers_amounts_dates_are_left_alone(text):
    assert redact(text).total == 0, redact(text)


def test_checksums():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("DE89370400440532013000") and not iban_ok("DE89370400440532013001")


def test_sample_logs_pii_never_survives():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "data" / "sample" / "conversations.jsonl"
    if not path.exists():
        pytest.skip("sample data not generated")
    seen = 0
    for line in path.read_text().splitlines():
        row = json.loads(line)
        for pii in row.get("pii", []):
            seen += 1
            for m in row["messages"]:
                assert pii not in redact(m["content"]).text, (row["id"], pii)
    assert seen > 100
