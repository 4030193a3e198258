"""BM25 and the ranking metrics against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from supportbot.retrieval.bm25 import BM25, tokenize
from supportbot.retrieval.evaluate import ranking_metrics


def test_bm25_scores_by_hand():
    docs = ["refund refund money", "password reset", "refund late parcel order"]
    bm25 = BM25([10, 20, 30], docs, k1=1.5, b=0.75)
    # lengths 3, 2, 4 -> avg 3; "refund" is in 2 of 3 documents
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))

    def term(tf: int, length: int) -> float:
        return idf * tf * 2.5 / (tf + 1.5 * (0.25 + 0.75 * length / 3))

    scores = bm25.scores("Refund?")
    assert scores[0] == pytest.approx(term(2, 3))
    assert scores[1] == 0
    assert scores[2] == pytest.approx(term(1, 4))
    assert bm25.search("refund", 5) == [(10, pytest.approx(term(2, 3))), (30, pytest.approx(term(1, 4)))]
    assert bm25.search("the of a", 5) == []  # stop words only: no hits
    assert tokenize("Where's my ORDER #123? Don't") == ["order", "123", "don"]


def test_ranking_metrics_by_hand():
    rankings = [["a", "x", "b"], ["x", "y", "c"], ["x", "y", "z"]]
    relevant = [frozenset({"a", "b"}), frozenset({"c", "d", "e", "f"}), frozenset({"q"})]
    m = ranking_metrics(rankings, relevant, k=3)
    assert m["hit_at_1"] == pytest.approx(round(1 / 3, 4))
    assert m["hit_at_k"] == pytest.approx(round(2 / 3, 4))
    assert m["precision_at_k"] == pytest.approx(round((2 / 3 + 1 / 3 + 0) / 3, 4))
    assert m["recall_at_k"] == pytest.approx(round((2 / 2 + 1 / 4 + 0) / 3, 4))
    assert m["mrr"] == pytest.approx(round((1 + 1 / 3 + 0) / 3, 4))
    # fewer hits than k still divide by k
    assert ranking_metrics([["a"]], [frozenset({"a"})], k=5)["precision_at_k"] == 0.2
