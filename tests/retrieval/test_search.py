"""The search API the bot calls, on a real database and a real index."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from sqlalchemy import select

from supportbot.core.errors import IndexMismatch
from supportbot.core.models import Ticket
from supportbot.core.settings import load_settings
from supportbot.core.store import upsert_ticket
from supportbot.retrieval.importer import import_tickets
from supportbot.retrieval.index_builder import IndexWriter, build_index
from supportbot.retrieval.rows import embed_text
from supportbot.retrieval.search import Retriever
from tests.retrieval.conftest import QUERIES, ticket_rows

QUESTIONS = [json.loads(line)["query"] for line in QUERIES.read_text().splitlines()]


def test_search_equals_brute_force_over_the_ticket_vectors(sessions, embedder, index_dir):
    # Similarity alone (request_weight 0); ranked by request: test_requests.py.
    retriever = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder, request_weight=0)
    with sessions() as s:
        tickets = s.scalars(select(Ticket).order_by(Ticket.id)).all()
    vectors = embedder.encode([embed_text(t.question, t.body) for t in tickets])
    queries = embedder.encode(QUESTIONS)
    scores = queries @ vectors.T
    for q, question in enumerate(QUESTIONS):
        hits = retriever.search(question, k=5)
        order = np.argsort(-scores[q], kind="stable")[:5]
        assert [h.ticket_id for h in hits] == [tickets[i].id for i in order]
        np.testing.assert_allclose([h.score for h in hits], scores[q][order], atol=1e-4)
        for hit, i in zip(hits, order, strict=True):
            t = tickets[i]
            assert (hit.external_id, hit.question, hit.resolution, hit.category) == (
                t.external_id,
                t.question,
                t.resolution,
                t.category,
            )


def test_min_score_and_k(sessions, embedder, index_dir):
    retriever = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder, k=3, request_weight=0)
    hits = retriever.search(QUESTIONS[0])
    assert len(hits) == 3 and hits[0].score >= hits[1].score >= hits[2].score
    floor = (hits[0].score + hits[1].score) / 2
    assert [h.ticket_id for h in retriever.search(QUESTIONS[0], min_score=floor)] == [hits[0].ticket_id]
    strict = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder, min_score=0.99)
    assert strict.search(QUESTIONS[0]) == []
    assert retriever.search("   ") == []
    assert len(retriever.search(QUESTIONS[0], k=100)) == 48  # never more than there are


def test_concurrent_searches_match_sequential_ones(sessions, embedder, index_dir):
    retriever = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder)
    expected = {q: retriever.search(q, k=4) for q in QUESTIONS}
    got: dict[tuple[int, str], list] = {}
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for q in QUESTIONS[n::6]:
                got[(n, q)] = retriever.search(q, k=4)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(got) == len(QUESTIONS)
    for (_, q), hits in got.items():
        assert [h.ticket_id for h in hits] == [h.ticket_id for h in expected[q]]
        np.testing.assert_allclose([h.score for h in hits], [h.score for h in expected[q]], atol=1e-4)


def test_a_running_retriever_picks_up_an_updated_index(sessions, embedder, index_dir, tmp_path):
    retriever = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder, refresh_interval_s=0)
    question = "My smart fridge is making a loud humming noise at night"
    assert all(h.external_id != "T-NEW" for h in retriever.search(question, k=3))
    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        json.dumps({"id": "T-NEW", "question": question, "resolution": "Level the feet."}) + "\n"
    )
    with IndexWriter(
        index_dir, sessions=sessions, embedder_name=embedder.name, load_embedder=lambda: embedder
    ) as w:
        w.apply(changed=import_tickets(sessions, extra).changed_ids)
    assert retriever.changed_on_disk()
    hits = retriever.search(question, k=3)  # reloaded on this call
    assert hits[0].external_id == "T-NEW" and hits[0].score > 0.99
    assert retriever.manifest.count == 49 and not retriever.changed_on_disk()


def test_an_index_that_no_longer_matches_the_tickets_is_refused(sessions, embedder, index_dir):
    retriever = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder, refresh_interval_s=0)
    with sessions.begin() as s:  # a change behind the index's back
        upsert_ticket(s, external_id="T-1001", question="edited", resolution="edited")
    with pytest.raises(
        IndexMismatch, match=r"no longer matches the tickets table.*run `supportbot index build`"
    ):
        Retriever.from_index(index_dir, sessions=sessions, embedder=embedder)
    # an IndexWriter leaves such an index alone and says why
    with IndexWriter(
        index_dir, sessions=sessions, embedder_name=embedder.name, load_embedder=lambda: embedder
    ) as w:
        update = w.apply(changed=[1])
    assert update.skipped and "supportbot index build" in update.skipped
    # the running retriever keeps serving the index it verified
    assert retriever.search(QUESTIONS[0], k=1)


def test_open_from_settings_and_refuse_another_embedder(tmp_path, db_url, sessions, embedder):
    settings = load_settings(home=tmp_path / "home", database_url=db_url, retrieval_k=2, min_score=0.1)
    import_tickets(sessions, ticket_rows_path(tmp_path))
    build_index(sessions=sessions, folder=settings.index_dir, embedder=embedder)
    retriever = Retriever.open(settings=settings, sessions=sessions)
    assert len(retriever.search(QUESTIONS[0])) == 2 and retriever.manifest.index_type == "flat"
    other = load_settings(home=tmp_path / "home", database_url=db_url, embedder="paraphrase-MiniLM-L3-v2")
    with pytest.raises(IndexMismatch, match=r"built with the embedder 'all-MiniLM-L6-v2'.*index build"):
        Retriever.open(settings=other, sessions=sessions)
    empty = load_settings(home=tmp_path / "elsewhere", database_url=db_url)
    with pytest.raises(IndexMismatch, match=r"no ticket index.*run `supportbot index build`"):
        Retriever.open(settings=empty, sessions=sessions)


def ticket_rows_path(tmp_path):
    path = tmp_path / "tickets.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ticket_rows()))
    return path


def test_searching_leaves_torchs_thread_count_alone(sessions, embedder, index_dir):
    """FAISS and torch share one OpenMP runtime: the retriever's one-thread searches must not
    leave the caller (say, a training run that evaluates against the tickets) on one core."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        retriever = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder)
        assert retriever.faiss_threads == 1
        assert retriever.search("my parcel never arrived", k=3)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
