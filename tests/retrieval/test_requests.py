"""Tickets grouped by request (retrieval.requests): the grouping by reply, the ranking by a
ticket's whole request, and the Retriever applying it on a real index."""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import select

from supportbot.core.models import Ticket
from supportbot.retrieval.faiss_index import TicketIndex
from supportbot.retrieval.requests import RequestGroups, group_index
from supportbot.retrieval.rows import embed_text
from supportbot.retrieval.search import Retriever
from tests.retrieval.conftest import QUERIES

RESET = [
    "Go to Settings > Security and choose Reset password; the link lasts 60 minutes.",
    "Please use Settings > Security > Reset password. The reset link lasts 60 minutes.",
    "Choose Reset password under Settings > Security; its link lasts 60 minutes.",
    "Settings > Security has Reset password: the link we send lasts 60 minutes.",
]
REFUND = [
    "Refunds reach your card within 5 working days of the return arriving at our warehouse.",
    "Once the return arrives at our warehouse, the refund reaches your card within 5 working days.",
]


def unit(*rows: list[float]) -> np.ndarray:
    x = np.array(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def groups_and_vectors() -> tuple[RequestGroups, dict[int, np.ndarray]]:
    # The question (1, 0, 0) lies amid the four reset tickets, each a little off it; one refund
    # ticket's wording is nearer to it than any of them, the other refund ticket far away.
    vectors = unit([1, 0.6, 0], [1, -0.6, 0], [1, 0, 0.6], [1, 0, -0.6], [1, 0.45, 0.2], [0.3, 1, 0])
    by_id = {i + 1: v for i, v in enumerate(vectors)}
    groups = RequestGroups.build({i + 1: r for i, r in enumerate(RESET + REFUND)}, by_id)
    assert groups is not None
    return groups, by_id


def test_tickets_are_grouped_by_what_their_agents_answered():
    groups, _ = groups_and_vectors()
    reset = {groups.group_of[i] for i in (1, 2, 3, 4)}
    refund = {groups.group_of[i] for i in (5, 6)}
    assert len(reset) == 1 and len(refund) == 1 and reset != refund
    assert groups.count == 2 and sorted(groups.sizes.tolist()) == [2, 4]


def test_a_ticket_is_ranked_by_its_whole_request_and_keeps_its_own_score():
    groups, vectors = groups_and_vectors()
    query = np.array([1, 0, 0], dtype=np.float32)
    candidates = sorted(((i, float(v @ query)) for i, v in vectors.items()), key=lambda c: -c[1])
    assert candidates[0][0] == 5  # by similarity alone: the refund ticket's wording
    ranked = groups.rank(query, candidates, weight=1.0)
    assert ranked[0][0] in (1, 2, 3, 4)  # the request whose tickets surround the question
    assert dict(ranked) == dict(candidates)  # scores unchanged
    assert groups.rank(query, candidates, weight=0) == candidates


def test_too_little_to_group():
    one = {1: np.array([1, 0], dtype=np.float32)}
    assert RequestGroups.build({1: "Reset it."}, one) is None


def test_the_retriever_ranks_the_index_candidates_by_request(sessions, embedder, index_dir):
    plain = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder, request_weight=0)
    ranked = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder)
    requests = ranked._state.requests
    assert requests is not None and 1 < requests.count < plain.size
    with sessions() as s:
        tickets = s.scalars(select(Ticket).order_by(Ticket.id)).all()
    # The groups' vectors are the index's own (read back from FAISS, not embedded again).
    index = TicketIndex.build(
        [t.id for t in tickets],
        embedder.encode([embed_text(t.question, t.body) for t in tickets]),
        kind="flat",
    )
    again = group_index(index, {t.id: t.resolution for t in tickets})
    assert again is not None and dict(again.group_of) == dict(requests.group_of)
    moved = 0
    for line in QUERIES.read_text().splitlines()[:12]:
        question = json.loads(line)["query"]
        candidates = [(h.ticket_id, h.score) for h in plain.search(question, k=20)]
        query = embedder.encode([question])[0]
        want = requests.rank(query, candidates, weight=1.0)[:3]
        got = ranked.search(question, k=3)
        assert [(h.ticket_id, round(h.score, 4)) for h in got] == [(i, round(s, 4)) for i, s in want]
        moved += [h.ticket_id for h in got] != [i for i, _ in candidates[:3]]
    assert moved  # the ranking is not similarity's under another name


def test_every_index_kind_gives_its_vectors_back_for_grouping():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((600, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ids = np.arange(1, 601) * 7  # ticket ids are not positions
    for kind in ("flat", "hnsw", "ivf"):
        index = TicketIndex.build(ids, x, kind=kind)
        np.testing.assert_allclose(index.vectors([7, 14, 4200]), x[[0, 1, 599]], atol=1e-5)


def test_the_newest_answer_to_the_same_questions_wins():
    # Tickets 1-4 answered "reset in Settings"; from ticket 7 on, the same questions got a new
    # reply (the policy changed). A question nearest the old tickets gets a new one first.
    new = [
        "Password resets now happen in the Account app under Sign-in; the code lasts 10 minutes.",
        "Open the Account app, Sign-in, to reset your password; the code lasts 10 minutes.",
    ]
    vectors = unit([1, 0.6, 0], [1, -0.6, 0], [1, 0, 0.6], [1, 0, -0.6], [1, 0.45, 0.2], [0.3, 1, 0])
    by_id = {i + 1: v for i, v in enumerate(vectors)}
    by_id.update({7: unit([1, 0.3, 0.9])[0], 8: unit([1, -0.3, -0.9])[0]})
    replies = {i + 1: r for i, r in enumerate(RESET + REFUND)} | {7: new[0], 8: new[1]}
    groups = RequestGroups.build(replies, by_id)
    assert groups is not None
    old, newer = groups.group_of[1], groups.group_of[7]
    assert groups.successor == {old: newer}
    query = unit([1, 0.05, 0])[0]
    candidates = sorted(((i, float(by_id[i] @ query)) for i in (1, 2, 3, 5)), key=lambda c: -c[1])
    ranked = groups.rank(query, candidates, weight=1.0)
    assert ranked[0][0] in (7, 8)
    assert not {1, 2, 3} & {t for t, _ in ranked}
    # Each old hit takes the next new ticket: three old hits, the new request's two tickets.
    assert {t for t, _ in ranked} >= {7, 8}
    # Told the tickets' order, the first reply coming last, it is the one that wins.
    later = RequestGroups.build(replies, by_id, when={1: 9, 2: 9, 3: 9, 4: 9})
    assert later is not None and later.successor == {later.group_of[7]: later.group_of[1]}
