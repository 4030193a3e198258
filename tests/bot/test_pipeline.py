"""The answer pipeline's order of work: retrieval beside the model call unless the prompt needs
the tickets, the placeholder's ts taken only when the reply is stored, and a warm-up that leaves
nothing behind."""

from __future__ import annotations

import threading

from supportbot.core import store
from supportbot.core.models import Message
from supportbot.usecases.messages import Incoming


class WhereSearched:
    """The real retriever, noting which thread each search ran on."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.threads: list[str] = []

    def search(self, text, k=None):
        self.threads.append(threading.current_thread().name)
        return self.inner.search(text, k)


def ask(bot, text: str, ts: str, **answer_kw):
    responder = bot.responder
    recorded = responder.record(Incoming(text=text, source="local", channel="CPIPE", thread_ts=ts, ts=ts))
    return responder.answer(recorded.message.id, **answer_kw)


def test_retrieval_runs_beside_the_model_unless_the_prompt_carries_tickets(bot_factory):
    bot = bot_factory()
    spy = WhereSearched(bot.responder.retriever)
    bot.responder.retriever = spy
    bot.responder.settings = bot.responder.settings.model_copy(update={"prompt_tickets": 0})
    reply = ask(bot, "How do I reset my password?", "1.0001")
    assert spy.threads and spy.threads[-1].startswith("retrieval")  # not the caller's thread
    assert reply.sources and reply.sources[0].score > 0.5  # the tickets still arrive for the reply
    with bot.sessions() as s:
        timings = s.get(Message, reply.message_id).details["timings"]
    assert {"load_ms", "retrieve_ms", "model_call_ms", "retrieve_wait_ms"} <= set(timings)

    bot.responder.settings = bot.responder.settings.model_copy(update={"prompt_tickets": 1})
    ask(bot, "How do I reset my password?", "1.0002")
    assert spy.threads[-1] == threading.current_thread().name  # the prompt needs them first


def test_the_placeholder_ts_is_asked_for_when_the_reply_is_stored(bot):
    asked: list[bool] = []

    def placeholder() -> str:
        asked.append(True)
        return "1700000000.999999"

    reply = ask(bot, "Where is my parcel?", "1.0003", slack_channel="CPIPE", slack_ts=placeholder)
    assert asked == [True]
    with bot.sessions() as s:
        stored = s.get(Message, reply.message_id)
        assert (stored.slack_channel, stored.slack_ts) == ("CPIPE", "1700000000.999999")


def test_warm_up_leaves_no_trace(bot):
    with bot.sessions() as s:
        before = s.query(Message).count()
    from supportbot.usecases.warm_up import warm_up

    assert warm_up(bot.responder) >= 0
    with bot.sessions() as s:
        assert s.query(Message).count() == before
        assert store.find_conversation(s, team=None, channel="warm-up", thread_ts="0") is None


class Recording:
    """The real model client, keeping the messages of every request."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.sent: list[list[dict[str, str]]] = []

    def complete(self, messages, **kw):
        self.sent.append(list(messages))
        return self.inner.complete(messages, **kw)

    def warm_up(self) -> None:
        self.inner.warm_up()


def test_the_bot_sends_the_prompt_training_renders(bot_factory):
    """The one renderer: what the bot sends for a question with its retrieved tickets is, to the
    character, what a training example of that question with those tickets shows the model."""
    from supportbot.core.identifiers import Masker
    from supportbot.core.prompt import context_tickets
    from supportbot.training.context import Grounded, grounded_chat
    from supportbot.training.data import Conversation

    bot = bot_factory(prompt_tickets=3, prompt_ticket_budget=240)
    spy = Recording(bot.responder.model)
    bot.responder.model = spy
    question = "Can I change the delivery address of order 4821937?"
    ask(bot, question, "1.0042")
    hits = bot.responder.retriever.search(question, k=3)
    masked = Masker().mask(question)
    example = Grounded(
        Conversation("q", [{"role": "user", "content": masked}], "test"),
        context_tickets(hits),
    )
    assert spy.sent == [grounded_chat(example, budget=240)]
    assert "<ORDER_ID>" in spy.sent[0][-1]["content"] and "4821937" not in str(spy.sent)
