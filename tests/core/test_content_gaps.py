"""Content gaps with the real embedder and scikit-learn: paraphrases of one unserved question
group together, an unrelated question stays alone, and each gap carries its best agent reply."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from supportbot.usecases.content_gaps import cluster_labels, draft_for_message, find_content_gaps
from tests.analytics_data import (
    ANTARCTICA,
    ANTARCTICA_BEST,
    CRYPTO,
    CRYPTO_BEST,
    NOW,
    UNRELATED,
    build_gaps,
)


def embedder():
    from supportbot.retrieval.embedder import load_embedder

    return load_embedder()


def test_paraphrases_make_two_gaps_of_three(sessions):
    asked = build_gaps(sessions, NOW)
    found = find_content_gaps(sessions, load_embedder=embedder, days=30, now=NOW)
    # Seven questions were handed over or got a 👎 in the period: the 👍 one is no gap, and the
    # crypto question of 45 days ago is outside it.
    assert found.questions == 7
    assert sorted(g.size for g in found.gaps) == [3, 3]
    assert found.singles == 1  # the air purifier's warranty
    by_topic = {frozenset(g.examples): g for g in found.gaps}
    crypto, antarctica = by_topic[frozenset(CRYPTO)], by_topic[frozenset(ANTARCTICA)]
    assert UNRELATED not in crypto.examples + antarctica.examples
    # "Can I pay with crypto?" is the closest to both others (cosine 0.64 and 0.75).
    assert crypto.question == CRYPTO[0] and crypto.examples[0] == CRYPTO[0]
    assert crypto.message_id == asked[CRYPTO[0]]
    assert antarctica.question in ANTARCTICA
    # The reply of the conversation rated 5 beats a longer one rated 4; without ratings, the longest.
    assert crypto.resolution == CRYPTO_BEST
    assert antarctica.resolution == ANTARCTICA_BEST
    assert (crypto.handed_over, antarctica.handed_over) == (2, 2)  # one of each got a 👎 instead
    assert len(crypto.conversations) == 3


def test_singles_are_gaps_when_asked_for(sessions):
    build_gaps(sessions, NOW)
    found = find_content_gaps(sessions, load_embedder=embedder, days=30, now=NOW, min_size=1)
    assert sorted(g.size for g in found.gaps) == [1, 3, 3] and found.singles == 0
    assert found.gaps[-1].question == UNRELATED and found.gaps[-1].resolution is None


def test_nothing_to_cluster_loads_no_embedder(sessions):
    def refuse():
        raise AssertionError("the embedder was loaded without any question")

    found = find_content_gaps(sessions, load_embedder=refuse, days=30, now=NOW)
    assert (found.gaps, found.questions, found.singles) == ([], 0, 0)


def test_cluster_labels_separate_far_vectors():
    import numpy as np

    vectors = np.array([[1, 0], [0.96, 0.28], [0, 1], [0.28, 0.96]], dtype=np.float32)
    labels = cluster_labels(vectors, distance_threshold=0.5)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]
    assert cluster_labels(vectors[:1]) == [0]


def test_a_draft_from_one_question(sessions):
    asked = build_gaps(sessions, NOW)
    draft = draft_for_message(sessions, message_id=asked[CRYPTO[2]])
    assert (draft.question, draft.resolution) == (CRYPTO[2], CRYPTO_BEST)
    assert draft_for_message(sessions, message_id=asked[UNRELATED]).resolution == ""
    from supportbot.core.errors import NotFound

    with pytest.raises(NotFound):
        draft_for_message(sessions, message_id=10**9)


def test_the_gap_link_prefills_the_form(sessions):
    from supportbot.review.analytics_view import new_ticket_link

    build_gaps(sessions, NOW)
    found = find_content_gaps(sessions, load_embedder=embedder, days=30, now=NOW)
    link = urlsplit(new_ticket_link(found.gaps[0]))
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert link.path == "/tickets/new"
    assert query["question"] == found.gaps[0].question
    assert query["resolution"] == found.gaps[0].resolution
    assert query["message"] == str(found.gaps[0].message_id)
