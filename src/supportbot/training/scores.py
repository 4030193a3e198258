"""Scores of generated answers against the held-out questions' reference answers: token F1,
ROUGE-L, the right procedure (keyphrases), invented identifiers and hand-overs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from supportbot.core.prompt import CANNOT_HELP
from supportbot.core.scoring import REQUEST_SIMILARITY, rouge_l, token_f1, weighted_cosine
from supportbot.training.eval_set import EvalItem


def invented_numbers(answer: str, *, question: str, reference: str) -> list[str]:
    """Identifiers in the answer (order numbers, amounts, e-mails, URLs: what the grounding guard
    checks) found neither in the question nor in the reference answer. Step numbers, days and
    other small numbers of a procedure are not identifiers, nor is a ticket cited as a source."""
    from supportbot.core.identifiers import find_identifiers

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


def names_request(answer: str, reference: str, weights: Any, *, at_least: float = REQUEST_SIMILARITY) -> bool:
    """Does the answer name the request the agent's reply answered? For questions without intent
    labels: see REQUEST_SIMILARITY."""
    return weighted_cosine(answer, reference, weights) >= at_least


def is_right(answer: str, item: EvalItem, weights: Any | None) -> bool | None:
    """The right request: every keyphrase of the item's intent when it has them, else the reply's
    telling words (with ``weights``); None when neither can tell."""
    if item.keyphrases:
        return has_keyphrases(answer, item.keyphrases)
    if weights is not None and item.reference:
        return names_request(answer, item.reference, weights)
    return None


def score_answers(
    answers: Sequence[str], items: Sequence[EvalItem], *, weights: Any | None = None
) -> dict[str, Any]:
    """Mean F1 / ROUGE-L / keyphrase accuracy / right request / invented-identifier rate, overall
    and per era. ``weights`` (the tickets' word weights) judge the right request of items without
    keyphrases (``is_right``)."""
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
        judged = [r for i in idx if (r := is_right(answers[i], items[i], weights)) is not None]
        out[name] = {
            "n": len(idx),
            "right_request": sum(judged) / len(judged) if judged else None,
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
