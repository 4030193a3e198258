"""A message's best sentence (retrieval.sentences): the split, the ranking it gives, and the
Retriever applying it on a real index without changing what a hit's score means."""

from __future__ import annotations

import json

import numpy as np

from supportbot.retrieval.search import Retriever
from supportbot.retrieval.sentences import rerank, sentences
from tests.retrieval.conftest import QUERIES


def unit(*rows: list[float]) -> np.ndarray:
    x = np.array(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_a_message_is_split_into_its_sentences_of_three_words_or_more():
    text = "Good morning, the item I ordered is now on offer. What can you do?\nOrder 88762. Thanks!"
    assert sentences(text) == ["Good morning, the item I ordered is now on offer.", "What can you do?"]
    assert sentences("My refund has not arrived. Order 88762.") == []  # one sentence that says anything
    assert sentences("") == []


def test_the_telling_sentence_outranks_a_diluted_whole_and_scores_stay_the_whole_messages():
    # Dimension 0: the request (a refund), ticket 1's; 1: ticket 2's request, which the whole
    # message, diluted by its aside, happens to sit nearer; 2: the aside, which says nothing.
    tickets = unit([1, 0.2, 0], [0.2, 1, 0])
    whole = unit([0.6, 1, 0])[0]
    parts = unit([1, 0, 0], [0, 0.3, 1])  # the refund sentence; the aside
    candidates = [(2, float(tickets[1] @ whole)), (1, float(tickets[0] @ whole))]
    assert candidates[0][1] > candidates[1][1]  # by the whole message: ticket 2
    ranked, score = rerank(whole, parts, candidates, vectors=tickets, ids=[1, 2], weight=0.5)
    assert [t for t, _ in ranked] == [1, 2]
    assert score == dict(candidates)  # each hit keeps its similarity to the whole message
    alone, _ = rerank(whole, parts, candidates, vectors=tickets, ids=[1, 2], weight=0.0)
    assert [t for t, _ in alone] == [2, 1]


def test_the_retriever_ranks_by_the_best_sentence_and_keeps_whole_message_scores(
    sessions, embedder, index_dir
):
    whole_only = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder, sentence_weight=0)
    mixed = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder)
    questions = [json.loads(line)["query"] for line in QUERIES.read_text().splitlines()[:12]]
    # A one-sentence question ranks exactly as before.
    single = [q for q in questions if not sentences(q)]
    assert single
    for q in single:
        assert [(h.ticket_id, h.score) for h in mixed.search(q, k=3)] == [
            (h.ticket_id, h.score) for h in whole_only.search(q, k=3)
        ]
    # Two customers' questions in one message: each hit's score is its cosine to the whole
    # message, and the ranking is the one retrieval.sentences gives over the pool.
    moved = 0
    for a, b in zip(single[::2], single[1::2], strict=False):
        message = f"{a.rstrip('.?!')}. {b}"
        parts = sentences(message)
        assert len(parts) == 2
        whole = embedder.encode([message])[0]
        hits = mixed.search(message, k=3)
        stored = mixed.index.vectors([h.ticket_id for h in hits])
        np.testing.assert_allclose([h.score for h in hits], stored @ whole, atol=1e-4)
        before = whole_only.search(message, k=3)
        moved += [h.ticket_id for h in hits] != [h.ticket_id for h in before]
        # Each of the two questions' own best ticket is among the message's hits.
        for part in parts:
            assert whole_only.search(part, k=1)[0].ticket_id in {
                h.ticket_id for h in mixed.search(message, k=3)
            }
    assert moved  # the ranking is not the whole message's under another name
