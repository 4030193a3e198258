"""Comparing texts word by word: token F1, ROUGE-L and the IDF-weighted cosine, for evaluation and
the grounding checks."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

_WORD = re.compile(r"[\w<>#$.]+")


def words(text: str) -> list[str]:
    return [w.strip(".").lower() for w in _WORD.findall(text) if w.strip(".")]


def token_f1(prediction: str, reference: str) -> float:
    p, r = words(prediction), words(reference)
    if not p or not r:
        return float(p == r)
    common = sum((Counter(p) & Counter(r)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


def rouge_l(prediction: str, reference: str) -> float:
    p, r = words(prediction), words(reference)
    if not p or not r:
        return float(p == r)
    prev = [0] * (len(r) + 1)
    for a in p:
        cur = [0]
        for j, b in enumerate(r, start=1):
            cur.append(prev[j - 1] + 1 if a == b else max(prev[j], cur[j - 1]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(p), lcs / len(r)
    return 2 * precision * recall / (precision + recall)


# The least IDF-weighted cosine between an answer and the agent's reply that counts as naming the
# same request. Answers about the right request share the reply's telling words (a menu path, a
# form, a duration); the words every reply uses (greetings, "order", "thanks") weigh almost
# nothing. Checked against keyphrase labels on two differently built shops (bench/own_data.py):
# on the bundled sample's 420 questions it agreed with the keyphrases on 97% of top-ticket and
# second-ticket answers. The bot's checks use it too: a draft that does not name its first source's
# request this way is not sent (core.grounding.check_against_sources).
REQUEST_SIMILARITY = 0.1


def weighted_cosine(a: str, b: str, weights: Any) -> float:
    """Cosine of the two texts' bags of words (identifiers generalised), each word weighted by its
    inverse document frequency over the team's tickets (``weights.idf``)."""
    import math

    from supportbot.core.identifiers import generalise

    def vector(text: str) -> dict[str, float]:
        counts = Counter(w for w in words(generalise(text)) if not w.startswith("<"))
        return {w: n * weights.idf(w) for w, n in counts.items()}

    va, vb = vector(a), vector(b)
    dot = sum(v * vb.get(w, 0.0) for w, v in va.items())
    norm = math.sqrt(sum(v * v for v in va.values())) * math.sqrt(sum(v * v for v in vb.values()))
    return dot / norm if norm else 0.0
