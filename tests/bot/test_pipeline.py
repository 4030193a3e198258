"""The answer pipeline's order of work: retrieval beside the model call unless the prompt needs
the tickets, the placeholder's ts taken only when the reply is stored, and a warm-up that leaves
nothing behind."""

from __future__ import annotations

import threading

from bot.responder import Incoming
from core import store
from core.models import Message


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
    assert bot.responder.warm_up() >= 0
    with bot.sessions() as s:
        assert s.query(Message).count() == before
        assert store.find_conversation(s, team=None, channel="warm-up", thread_ts="0") is None
