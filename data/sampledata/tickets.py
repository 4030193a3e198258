"""tickets.jsonl: the solved helpdesk tickets, asked in the intent's ``ticket_q`` wordings (not
the chat wordings) and closed with an agent's summary that contains every keyphrase.
"""

from __future__ import annotations

import random
import re
from typing import Any

from .render import add_pii, era_range, join, random_time, render_problem
from .texts import INTENTS, PHRASES, Intent

N_TICKETS = {"base": 20, "recent": 10}  # per intent
TICKET_PII_RATE = 0.05


def _question(rng: random.Random, intent: Intent, template: str, seen: set[str]) -> tuple[str, str | None]:
    """The ticket's question from one template and its order number, if it quotes one. Up to 50
    tries for a wording no earlier ticket used (``seen``, updated here)."""
    for _attempt in range(50):
        want_order = "{order}" in template or (intent.get("order", False) and rng.random() < 0.4)
        want_amount = "{amount}" in template or (intent.get("amount", False) and rng.random() < 0.3)
        core, n, _amount = render_problem(rng, [template], want_order=want_order, want_amount=want_amount)
        detail = rng.choice(intent["ticket_details"]) if rng.random() < 0.3 else ""
        opener = rng.choice(PHRASES["ticket_openers"]) if rng.random() < 0.35 else ""
        closer = rng.choice(PHRASES["ticket_closers"]) if rng.random() < 0.35 else ""
        question = join(opener, core, detail, closer)
        key = re.sub(r"\d", "0", question)  # identical apart from numbers is not "its own phrasing"
        if key not in seen:
            seen.add(key)
            break
    return question, n


def build_tickets(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    seen: set[str] = set()
    for intent in INTENTS:
        # Walk the question templates in a shuffled cycle so every phrasing is used before any
        # repeats: the tickets then cover the intent's whole range of wordings.
        cores = list(intent["ticket_q"])
        rng.shuffle(cores)
        for k in range(N_TICKETS[intent["era"]]):
            question, n = _question(rng, intent, cores[k % len(cores)], seen)
            pii: list[str] = []
            if rng.random() < TICKET_PII_RATE:
                question, _ = add_pii(rng, question, intent["category"], pii)
            resolution = rng.choice(intent["ticket_res"])
            if n:
                resolution = f"Order #{n}. {resolution}"
            rows.append(
                {
                    "subject": rng.choice(intent["subjects"]),
                    "question": question,
                    "resolution": resolution,
                    "category": intent["category"],
                    "intent": intent["intent"],
                    "created": random_time(rng, *era_range(intent["era"])),
                    "pii": pii,
                    "order_ids": [n] if n else [],
                }
            )
    rows.sort(key=lambda r: r["created"])
    return [{"id": f"T-{i}", **row} for i, row in enumerate(rows, start=10001)]
