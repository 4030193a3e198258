"""The held-out evaluation sets: eval_queries.jsonl (retrieval queries, each with every ticket of
its intent as relevant), eval_questions.jsonl (first-turn questions for the chat model, never
used in any conversation) and followups.jsonl (two-turn threads whose second turn names no
subject: only the first says what it is about).
"""

from __future__ import annotations

import random
from typing import Any

from .identifiers import make_amount, make_order_number
from .render import fill, join, wrap_customer
from .texts import INTENTS, PHRASES, Intent

QUESTIONS_PER_INTENT = 10
ORDER_QUESTIONS = 40


def build_eval_queries(tickets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for intent in INTENTS:
        ids = [t["id"] for t in tickets if t["intent"] == intent["intent"]]
        for q in intent["queries"]:
            rows.append({"query": q, "intent": intent["intent"], "relevant_ticket_ids": ids})
    return rows


def _intent_questions(rng: random.Random, intent: Intent, conversation_turns: set[str]) -> list[str]:
    """Ten distinct questions: the ``eval`` templates as written, then wrapped in greetings and
    sign-offs; none equal to a conversation's user turn."""
    made: list[str] = []
    k = 0
    while len(made) < QUESTIONS_PER_INTENT:
        template = intent["eval"][k % len(intent["eval"])]
        k += 1
        amount = make_amount(rng) if "{amount}" in template else None
        question = (
            wrap_customer(rng, fill(template, amount=amount))
            if k > len(intent["eval"])
            else fill(template, amount=amount)
        )
        if question in made or question in conversation_turns:
            continue
        made.append(question)
    return made


def build_eval_questions(rng: random.Random, conversation_turns: set[str]) -> list[dict[str, Any]]:
    """Ten held-out first turns per intent (from the ``eval`` templates, which no conversation
    uses), plus questions that quote an order number whose reference repeats it."""
    rows = []
    for intent in INTENTS:
        for question in _intent_questions(rng, intent, conversation_turns):
            rows.append(
                {
                    "question": question,
                    "intent": intent["intent"],
                    "era": intent["era"],
                    "reference": intent["resolution"],
                    "order_ids": [],
                }
            )
    order_intents = [i for i in INTENTS if i.get("order")]
    for k in range(ORDER_QUESTIONS):
        intent = order_intents[k % len(order_intents)]
        template = rng.choice([t for t in intent["eval"] if "{amount}" not in t])
        n = make_order_number(rng)
        question = join(template, rng.choice(PHRASES["order_sentences"]).format(n=n))
        rows.append(
            {
                "question": question,
                "intent": intent["intent"],
                "era": intent["era"],
                "reference": f"I've checked order #{n}. {intent['resolution']}",
                "order_ids": [n],
            }
        )
    return rows


FOLLOWUPS_PER_INTENT = 2


def build_followups(rng: random.Random) -> list[dict[str, Any]]:
    """Two threads per intent: a held-out first question (an ``eval`` template) and a follow-up
    that needs it (``eval_followups`` in phrases.toml). The right request is the first question's."""
    rows = []
    k = 0
    for intent in INTENTS:
        templates = [t for t in intent["eval"] if "{amount}" not in t]
        for first in rng.sample(templates, FOLLOWUPS_PER_INTENT):
            rows.append(
                {
                    "id": f"follow-{k + 1}",
                    "turns": [fill(first), PHRASES["eval_followups"][k % len(PHRASES["eval_followups"])]],
                    "intent": intent["intent"],
                    "era": intent["era"],
                }
            )
            k += 1
    return rows
