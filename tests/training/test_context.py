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


def test_the_prices_its_tickets_state_alike_are_learned_as_written(priced_home, embedder):
    """An agent's reply keeps the price its example's tickets state alike (the prompt shows it
    too), so the model learns to say it; a one-off refund stays "<AMOUNT>" in reply and tickets."""
    from collections import Counter

    from supportbot.core.db import make_engine, session_factory
    from supportbot.retrieval.search import Retriever
    from supportbot.training.data import clean
    from supportbot.training.eval_set import items_from

    engine = make_engine(f"sqlite:///{priced_home / 'supportbot.db'}")
    sessions = session_factory(engine)
    retriever = Retriever.from_index(priced_home / "index", sessions=sessions, embedder=embedder, k=3)

    def conversation(cid: str, *turns: str) -> Conversation:
        messages = [{"role": ("user", "assistant")[n % 2], "content": t} for n, t in enumerate(turns)]
        return clean(Conversation(cid, messages, "t"), Counter())

    price = conversation(
        "c1",
        "Can I get a static IP for my home server? I pay £30 now.",
        "Yes: Static IP is £5 a month on top of your £30.",
        "So the bill will be what?",
        "It will be £35, and the £5 shows as Static IP.",
    )
    refund = conversation("c2", "I was charged twice, can I get my money back?", "You have £21.40 in credit.")
    assert price.messages[1]["content"] == "Yes: Static IP is <AMOUNT_2> a month on top of your <AMOUNT>."
    [priced, refunded], _ = ground(
        [price, refund], retriever=retriever, settings=TicketSettings(k=2, unrelated_share=0.0)
    )
    assert {t.external_id for t in priced.tickets} <= {"P-0", "P-1", "P-2"}
    assert all("£5 a month" in t.resolution for t in priced.tickets)
    # The reply to the question the tickets were found for says the price; the customer's own
    # amount stays theirs, and a later reply keeps its placeholders, as the bot's own earlier
    # answer is masked in a thread's history.
    chat = grounded_chat(priced, budget=240)
    assert chat[1]["content"] == "Can I get a static IP for my home server? I pay <AMOUNT> now."
    assert chat[2]["content"] == "Yes: Static IP is £5 a month on top of your <AMOUNT>."
    assert chat[4]["content"] == "It will be <AMOUNT_3>, and the <AMOUNT_2> shows as Static IP."

    # Asked again for a report or a calibration, the conversation is as it was written.
    [item] = items_from([price])
    assert item.question == "Can I get a static IP for my home server? I pay £30 now."
    assert item.reference == "Yes: Static IP is £5 a month on top of your £30."

    assert {t.external_id for t in refunded.tickets} <= {"P-3", "P-4", "P-5"}
    assert all("<AMOUNT>" in t.resolution and "£" not in t.resolution for t in refunded.tickets)
    assert refunded.conversation.messages[1]["content"] == "You have <AMOUNT> in credit."
    engine.dispose()


def test_a_price_the_budget_clips_out_of_the_prompt_is_not_said_in_the_reply():
    """The reply says a price only where its prompt shows it: when the ticket budget cuts the
    tickets before their "£5", the training reply keeps "<AMOUNT>" (the model must not learn to
    say prices it was not shown)."""
    from collections import Counter

    from supportbot.core.prompt import context_tickets
    from supportbot.training.context import Grounded
    from supportbot.training.data import clean
    from supportbot.usecases.messages import Source

    padding = "Open the app, go to Account, then Add-ons, and pick the one you want; " * 6
    hits = [
        Source(None, f"P-{n}", 0.8, "How much is a static IP?", f"{padding}Static IP is £5 a month.")
        for n in range(2)
    ]
    tickets = context_tickets(hits)
    assert all("£5 a month" in t.resolution for t in tickets)
    conversation = clean(
        Conversation("c", [
            {"role": "user", "content": "How much is a static IP?"},
            {"role": "assistant", "content": "Static IP is £5 a month."},
        ], "t"),
        Counter(),
    )  # fmt: skip
    shown = grounded_chat(Grounded(conversation, tickets), budget=1000)
    assert "£5 a month" in shown[0]["content"]
    assert shown[2]["content"] == "Static IP is £5 a month."
    clipped = grounded_chat(Grounded(conversation, tickets), budget=60)
    assert "£5" not in clipped[0]["content"] and "…" in clipped[0]["content"]
    assert clipped[2]["content"] == "Static IP is <AMOUNT> a month."
    # An amount in the instructions is not a ticket's price.
    told = grounded_chat(
        Grounded(conversation, tickets), budget=60, system="Never promise more than £5 a month."
    )
    assert told[2]["content"] == "Static IP is <AMOUNT> a month."
