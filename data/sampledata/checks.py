"""Cheap structural checks, run on every generation before anything is written, so a broken
template fails loudly instead of producing a sample that quietly breaks the rules README.md states.
"""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]


def _check_conversations(by_name: dict[str, Row], conversations: list[Row]) -> None:
    """The first answer has every keyphrase; every listed PII value and order number is in the
    chat, and no assistant message repeats a PII value."""
    for c in conversations:
        first_answer = c["messages"][1]["content"]
        missing = [p for p in by_name[c["intent"]]["keyphrases"] if p not in first_answer]
        assert not missing, (c["id"], missing)
        text = "\n".join(m["content"] for m in c["messages"])
        for value in c["pii"] + c["order_ids"]:
            assert value in text, (c["id"], value)
        for m in c["messages"]:
            if m["role"] == "assistant":
                for value in c["pii"]:
                    assert value not in m["content"], (c["id"], value)


def _check_tickets(by_name: dict[str, Row], tickets: list[Row]) -> None:
    for t in tickets:
        missing = [p for p in by_name[t["intent"]]["keyphrases"] if p not in t["resolution"]]
        assert not missing, (t["id"], missing)
        for value in t["pii"]:
            assert value in t["question"], (t["id"], value)


def validate(
    intents: list[Row],
    conversations: list[Row],
    tickets: list[Row],
    queries: list[Row],
    questions: list[Row],
) -> None:
    names = [i["intent"] for i in intents]
    assert len(set(names)) == len(names)
    by_name = {i["intent"]: i for i in intents}
    _check_conversations(by_name, conversations)
    _check_tickets(by_name, tickets)
    # Held-out queries are not copied from any ticket or customer turn.
    haystack = "\n".join(
        [t["question"].lower() for t in tickets]
        + [m["content"].lower() for c in conversations for m in c["messages"] if m["role"] == "user"]
    )
    for q in queries:
        assert q["query"].lower() not in haystack, q["query"]
    assert len({q["query"] for q in queries}) == len(queries)
    assert len({q["question"] for q in questions}) == len(questions)
