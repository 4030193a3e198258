"""conversations.jsonl: multi-turn chats, a first answer that contains every keyphrase of its
intent, then up to two follow-ups (how long, it didn't work, a human please, thanks, or the order
number the agent asked for).
"""

from __future__ import annotations

import random
from typing import Any

from .identifiers import make_order_number, weighted
from .render import (
    add_pii,
    add_typos,
    check_assistant_facts,
    era_range,
    join,
    random_time,
    render_problem,
    wrap_customer,
)
from .texts import INTENTS, PHRASES, Intent

N_CONV = {"base": 3900, "recent": 600}
TYPO_RATE = 0.10
PII_RATE = 0.08
ORDER_RATE = 0.6  # order-related intents: how often the first turn quotes an order number
AMOUNT_RATE = 0.5


class _Chat:
    """One conversation being written: its messages, the PII pasted into it, the order numbers."""

    def __init__(self, rng: random.Random, intent: Intent) -> None:
        self.rng = rng
        self.intent = intent
        self.messages: list[dict[str, str]] = []
        self.pii: list[str] = []
        self.order_ids: list[str] = []
        self._user_so_far: list[str] = []

    def user(self, text: str) -> str:
        """Add a customer turn with noise and maybe a PII value; returns the PII kind added, if any."""
        kind = ""
        if self.rng.random() < TYPO_RATE:
            text = add_typos(text, self.rng)
        if self.rng.random() < PII_RATE:
            text, kind = add_pii(self.rng, text, self.intent["category"], self.pii)
        self.messages.append({"role": "user", "content": text})
        self._user_so_far.append(text)
        return kind

    def agent(self, text: str, pii_kind: str) -> None:
        if pii_kind in ("card", "iban"):
            text = join(self.rng.choice(PHRASES["agent_pii_warnings"]), text)
        check_assistant_facts(
            text, self.intent["resolution"], " ".join(self._user_so_far), self.intent["intent"]
        )
        self.messages.append({"role": "assistant", "content": text})


def _plan_followups(rng: random.Random, *, is_order: bool, quoted_order: bool) -> list[str]:
    """The kinds of the follow-up exchanges after the first answer (none, one or two)."""
    n_exchanges = int(weighted(rng, {"1": 0.55, "2": 0.33, "3": 0.12}))
    plan: list[str] = []
    for k in range(n_exchanges - 1):
        last = k == n_exchanges - 2
        if k == 0 and is_order and not quoted_order and rng.random() < 0.6:
            plan.append("give_order")
            continue
        options = {"how_long": 0.3, "didnt_work": 0.3, "human": 0.08, "thanks": 0.32 if last else 0.0}
        options = {key: w for key, w in options.items() if key not in plan}
        plan.append(weighted(rng, options))
    return plan


def _first_answer(
    rng: random.Random, intent: Intent, *, n: str | None, amount: str | None, ask_order: bool
) -> str:
    first = [
        rng.choice(PHRASES["agent_openers"]) if not n else rng.choice(PHRASES["agent_order_acks"]).format(n=n)
    ]
    if amount and rng.random() < 0.5:
        first.append(rng.choice(PHRASES["agent_amount_acks"]).format(amount=amount))
    first.append(rng.choice(intent["answers"]))
    first.append(rng.choice(PHRASES["agent_ask_order"] if ask_order else PHRASES["agent_closers"]))
    return join(*first)


def _follow_up(chat: _Chat, step: str) -> None:
    rng, asks, replies = chat.rng, PHRASES["followups"], PHRASES["followup_replies"]
    if step == "give_order":
        n = make_order_number(rng)
        chat.order_ids.append(n)
        pii_kind = chat.user(rng.choice(asks["give_order"]).format(n=n))
        chat.agent(rng.choice(replies["give_order"]).format(n=n), pii_kind)
    elif step in ("how_long", "didnt_work"):
        pii_kind = chat.user(rng.choice(asks[step]))
        reply = chat.intent["eta"] if step == "how_long" else chat.intent["escalate"]
        chat.agent(rng.choice(reply), pii_kind)
    else:
        pii_kind = chat.user(rng.choice(asks[step]))
        chat.agent(rng.choice(replies[step]), pii_kind)


def build_conversation(rng: random.Random, intent: Intent) -> dict[str, Any]:
    chat = _Chat(rng, intent)
    is_order = intent.get("order", False)
    want_order = is_order and rng.random() < ORDER_RATE
    want_amount = intent.get("amount", False) and rng.random() < AMOUNT_RATE
    problem, n, amount = render_problem(rng, intent["user"], want_order=want_order, want_amount=want_amount)
    if n:
        chat.order_ids.append(n)
    pii_kind = chat.user(wrap_customer(rng, problem))
    # Plan the follow-ups first so the first answer can invite an order number when one follows.
    plan = _plan_followups(rng, is_order=is_order, quoted_order=bool(n))
    chat.agent(_first_answer(rng, intent, n=n, amount=amount, ask_order=plan[:1] == ["give_order"]), pii_kind)
    for step in plan:
        _follow_up(chat, step)
    return {
        "intent": intent["intent"],
        "era": intent["era"],
        "messages": chat.messages,
        "pii": chat.pii,
        "order_ids": chat.order_ids,
    }


def build_conversations(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for era in ("base", "recent"):
        intents = [i for i in INTENTS if i["era"] == era]
        per, extra = divmod(N_CONV[era], len(intents))
        for k, intent in enumerate(intents):
            for _ in range(per + (1 if k < extra else 0)):
                row = build_conversation(rng, intent)
                row["created"] = random_time(rng, *era_range(era))
                rows.append(row)
    # Ids follow time order; the stable sort keeps generation order for equal timestamps.
    rows.sort(key=lambda r: r["created"])
    return [
        {
            "id": f"conv-{i:06d}",
            "intent": row["intent"],
            "era": row["era"],
            "created": row["created"],
            "messages": row["messages"],
            "pii": row["pii"],
            "order_ids": row["order_ids"],
        }
        for i, row in enumerate(rows, start=1)
    ]
