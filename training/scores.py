"""Scores of generated answers against the held-out questions' reference answers: token F1,
ROUGE-L, the right procedure (keyphrases), invented identifiers and hand-overs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from core.prompt import CANNOT_HELP
from core.scoring import rouge_l, token_f1
from training.eval_set import EvalItem


def invented_numbers(answer: str, *, question: str, reference: str) -> list[str]:
    """Identifiers in the answer (order numbers, amounts, e-mails, URLs: what the grounding guard
    checks) found neither in the question nor in the reference answer. Step numbers, days and
    other small numbers of a procedure are not identifiers, nor is a ticket cited as a source."""
    from core.identifiers import find_identifiers

    known = {(i.kind, i.key) for text in (question, reference) for i in find_identifiers(text)}
    known_orders = {key for kind, key in known if kind == "order"}
    invented = []
    for ident in find_identifiers(answer):
        if ident.kind == "ticket":
            continue  # a source cited ("the most similar solved ticket (T-10314)"), not a fact
        if (ident.kind, ident.key) in known or (ident.kind == "order" and ident.key in known_orders):
            continue
        invented.append(ident.text)
    return invented


def has_keyphrases(answer: str, keyphrases: Sequence[str]) -> bool:
    low = answer.lower()
    return all(k.lower() in low for k in keyphrases)


def score_answers(answers: Sequence[str], items: Sequence[EvalItem]) -> dict[str, Any]:
    """Mean F1 / ROUGE-L / keyphrase accuracy / invented-identifier rate, overall and per era."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        groups["all"].append(i)
        if item.era:
            groups[item.era].append(i)
    out: dict[str, Any] = {}
    for name, idx in groups.items():
        with_keys = [i for i in idx if items[i].keyphrases]
        invented = [
            invented_numbers(answers[i], question=items[i].question, reference=items[i].reference)
            for i in idx
        ]
        out[name] = {
            "n": len(idx),
            "f1": sum(token_f1(answers[i], items[i].reference) for i in idx) / len(idx),
            "rouge_l": sum(rouge_l(answers[i], items[i].reference) for i in idx) / len(idx),
            "keyphrase_accuracy": (
                sum(has_keyphrases(answers[i], items[i].keyphrases) for i in with_keys) / len(with_keys)
                if with_keys
                else None
            ),
            "invented_identifier_rate": sum(1 for inv in invented if inv) / len(idx),
            # The model's "none of the tickets fits" answer: the bot hands these over.
            "handover_rate": sum(1 for i in idx if answers[i].strip().startswith(CANNOT_HELP[:40]))
            / len(idx),
        }
    return out
