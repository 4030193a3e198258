"""Retrieved tickets in training examples: never the example's own, the share of unrelated ones."""

from __future__ import annotations

import json
from pathlib import Path

from supportbot.core.prompt import CANNOT_HELP
from supportbot.training.context import TicketSettings, ground, grounded_chat
from supportbot.training.data import Conversation

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def sample_tickets() -> list[dict]:
    return [json.loads(line) for line in (SAMPLE / "tickets.jsonl").read_text().splitlines() if line]


def test_an_example_never_sees_its_own_ticket_or_a_duplicate_of_it(sample_world, embedder):
    from supportbot.core.db import make_engine, session_factory
    from supportbot.retrieval.search import Retriever

    engine = make_engine(f"sqlite:///{sample_world / 'template.db'}")
    retriever = Retriever.from_index(
        sample_world / "index", sessions=session_factory(engine), embedder=embedder, k=3
    )
    rows = sample_tickets()[:120]
    # The tickets themselves as training conversations (a team importing its tickets and training
    # on the same export), and copies under other ids: only the text says they are the same.
    own = [
        Conversation(
            r["id"],
            [{"role": "user", "content": r["question"]}, {"role": "assistant", "content": r["resolution"]}],
            "t",
        )
        for r in rows
    ]
    copies = [Conversation(f"copy-{c.id}", c.messages, "t") for c in own]
    grounded, stats = ground(
        own + copies, retriever=retriever, settings=TicketSettings(k=3, unrelated_share=0.0)
    )
    by_id = {r["id"]: r for r in sample_tickets()}
    for g in grounded:
        source_id = g.conversation.id.removeprefix("copy-")
        assert len(g.tickets) == 3
        for ticket in g.tickets:
            assert ticket.external_id != source_id
            assert by_id[ticket.external_id]["question"] != by_id[source_id]["question"]
    # Retrieval puts a ticket's own text first: it was there, and it was left out every time.
    assert stats.own_tickets_left_out >= len(own + copies)
    engine.dispose()


def test_unrelated_tickets_teach_the_model_to_say_it_cannot_help(sample_world, embedder):
    from supportbot.core.db import make_engine, session_factory
    from supportbot.retrieval.search import Retriever

    engine = make_engine(f"sqlite:///{sample_world / 'template.db'}")
    retriever = Retriever.from_index(
        sample_world / "index", sessions=session_factory(engine), embedder=embedder
    )
    lines = (SAMPLE / "conversations.jsonl").read_text().splitlines()[:300]
    conversations = [Conversation(json.loads(x)["id"], json.loads(x)["messages"], "c") for x in lines]
    grounded, stats = ground(
        conversations, retriever=retriever, settings=TicketSettings(k=2, unrelated_share=0.2, seed=1)
    )
    unrelated = [g for g in grounded if g.unrelated]
    assert 0.1 < len(unrelated) / len(grounded) < 0.3 and stats.unrelated == len(unrelated)
    category = {r["id"]: r["category"] for r in sample_tickets()}
    for g in unrelated:
        assert g.conversation.messages[-1]["content"] == CANNOT_HELP
        near = {h.category for h in retriever.search(g.conversation.first_question, k=3)}
        assert not near & {category[t.external_id] for t in g.tickets}
    # The prompt shows them as the bot does: in the system turn, identifiers generalised.
    system = grounded_chat(grounded[0], budget=240)[0]["content"]
    assert "Similar solved tickets:" in system and f"[{grounded[0].tickets[0].external_id}]" in system
    engine.dispose()
