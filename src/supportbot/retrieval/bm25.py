"""Okapi BM25 keyword search: the baseline every embedding search has to beat.

Standard parameters (k1 = 1.5, b = 0.75), Lucene's non-negative idf, lower-cased alphanumeric
tokens without a small set of English stop words (and the shards of contractions: "where's" ->
"where", "s"), no stemming. Postings are numpy arrays per term, so scoring a query touches only
the documents that share a word with it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have i if in into is
    it its me my no not of on or our so than that the their them then there these this to was we
    were what when where which who why will with would you your s t m d ll re ve""".split()  # noqa: SIM905
)


def tokenize(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOP_WORDS]


class BM25:
    def __init__(self, ids: Sequence[int], texts: Sequence[str], *, k1: float = 1.5, b: float = 0.75) -> None:
        if len(ids) != len(texts):
            raise ValueError("one id per text")
        self.ids = np.asarray(ids, dtype=np.int64)
        self.k1, self.b = k1, b
        docs = [Counter(tokenize(t)) for t in texts]
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float64)
        avg = float(lengths.mean()) if len(docs) and lengths.mean() > 0 else 1.0
        postings: dict[str, list[tuple[int, int]]] = {}
        for doc, counts in enumerate(docs):
            for term, count in counts.items():
                postings.setdefault(term, []).append((doc, count))
        n = len(docs)
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, entries in postings.items():
            docs_idx = np.array([d for d, _ in entries], dtype=np.int64)
            tf = np.array([t for _, t in entries], dtype=np.float64)
            idf = math.log(1 + (n - len(entries) + 0.5) / (len(entries) + 0.5))
            norm = tf + k1 * (1 - b + b * lengths[docs_idx] / avg)
            self._postings[term] = (docs_idx, idf * tf * (k1 + 1) / norm)

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.ids), dtype=np.float64)
        for term in set(tokenize(query)):
            found = self._postings.get(term)
            if found is not None:
                out[found[0]] += found[1]
        return out

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """The top ``k`` (ticket id, score), best first; documents sharing no word are not hits."""
        scores = self.scores(query)
        k = min(k, len(scores))
        if k <= 0:
            return []
        candidates = np.argpartition(-scores, k - 1)[:k]
        # Ties (common with short queries) go to the lower id, so runs are reproducible.
        top = sorted(candidates, key=lambda i: (-scores[i], self.ids[i]))
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] > 0]
