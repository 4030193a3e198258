"""A customer's message is several sentences, and its request is usually one of them.

"Good morning, the item I ordered is now on offer, what can you do? Bit of a nuisance to be
honest. Order 88762." Embedded whole, the greeting, the aside and the order number pull the
message toward whichever past tickets happen to say the same; its one telling sentence is
diluted. So a message of two or more sentences (of ``MIN_WORDS`` words or more) is also searched
sentence by sentence, and a candidate ticket ranks by

    (1 - ``weight``) x its similarity to the whole message + ``weight`` x its best similarity to one sentence

while keeping its similarity to the whole message as its score (the gates and floors read that,
as with ranking by request, retrieval.requests). A one-sentence message ranks as before. The
candidates are the whole message's and each sentence's nearest tickets; their vectors are read
back from the index (an index kind that cannot give them back ranks by the whole message).

Measured on the first retrieved ticket's request (bench/own_data.py's sets, the index's tickets,
ranked by request as the bot does, weight 0.5): another shop's 300 newest questions 0.860 →
0.870, the sample's 420 held-out questions 0.967 → 0.983. 0.5 (the two similarities alike) was
the one weight tried, not tuned to either set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

# Sentences end at . ! ? followed by a space, or at a line break.
_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
# Shorter pieces ("Order 88762.", "Hi there,") say nothing about the request on their own.
MIN_WORDS = 3
DEFAULT_WEIGHT = 0.5


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` that are ``MIN_WORDS`` words or longer; none when there are
    fewer than two (a message of one sentence is its own best sentence)."""
    parts = [p.strip() for p in _SPLIT.split(text or "")]
    kept = [p for p in parts if len(p.split()) >= MIN_WORDS]
    return kept if len(kept) >= 2 else []


def rerank(
    query: np.ndarray,
    parts: np.ndarray,
    candidates: Sequence[tuple[int, float]],
    *,
    vectors: np.ndarray,
    ids: Sequence[int],
    weight: float,
) -> tuple[list[tuple[int, float]], dict[int, float]]:
    """``ids`` (the candidates' ticket ids and the sentences' nearest, ``vectors`` theirs, unit
    length) ranked by the mix above, as (ticket, ranking similarity), best first; and each
    ticket's similarity to the whole message (``query``), its score. ``parts``: the sentences'
    vectors, one row each. ``candidates`` carries the index's own scores for the whole message,
    which are kept where given."""
    whole = vectors @ query
    best = (vectors @ parts.T).max(axis=1)
    mixed = (1.0 - weight) * whole + weight * best
    own = {int(t): float(s) for t, s in candidates}
    score = {int(t): own.get(int(t), float(w)) for t, w in zip(ids, whole, strict=True)}
    order = np.argsort(-mixed, kind="stable")
    return [(int(ids[r]), float(mixed[r])) for r in order], score
