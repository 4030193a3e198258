"""Hand-made conversations for the analytics and content-gap tests, written through the store
functions and then given fixed times relative to ``now``.

The analytics set (``build_analytics``), with ``now`` = 2026-11-20 12:00 UTC in mind (the tests
that use the real clock only check the period's totals):

  id  started            last version  what happens                                    counts as
  A   11-18 09:00 (-51h) v1   answered, 👍                                            resolved
  B   11-18 10:00 (-50h) v1   answered; a follow-up 4 min after the reply, answered    resolved
  C   11-18 11:00 (-49h) v1→v2 answered; the customer is back 179 min later            deflected, not resolved
  D   11-18 12:00 (-48h) v2   answered, 👎                                            deflected, not resolved
  L   11-18 13:00 (-47h) v1   the gate hands over, no reason recorded (older data)     handed over: unrecorded
  E   11-19 08:00 (-28h) v2   the gate hands over (gate), an agent resolves, CSAT 5     handed over: gate
  F   11-19 09:00 (-27h) v1   answered, then "Talk to a human" (asked), CSAT 2          handed over: asked
  G   11-19 10:00 (-26h) v1   answered, then an agent posts (no hand-over)              reached a human
  H   11-19 11:00 (-25h) v2   answered, 👍; back 24.5 h after the start (outside the     resolved
                              24 h window)
  I   11-20 09:00 (-3h)  v2   answered                                                 pending, deflected
  J   11-20 10:00 (-2h)  v1   frustration hands over                                   pending, handed over
  K   40 days ago        v1   answered, 👎                                            outside every period
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy import update

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import HandoverReason, Role
from supportbot.core.models import Conversation, Message

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
_ts = count(1000)


@dataclass
class Thread:
    """One Slack thread being written: its conversation and the times to set afterwards."""

    key: str
    start: datetime
    customer: str
    conversation_id: int = 0
    thread_ts: str = ""
    last_turn: int = 0
    replies: list[int] = field(default_factory=list)


class Writer:
    """Writes conversations through the store; ``at`` offsets are minutes from the thread's start."""

    def __init__(self, session) -> None:
        self.s = session
        self.times: dict[int, datetime] = {}
        self.moods: dict[int, tuple[str, float]] = {}

    def ask(self, t: Thread, text: str, *, at: float = 0, mood: tuple[str, float] | None = None) -> int:
        ts = f"{next(_ts)}.0001"
        t.thread_ts = t.thread_ts or ts
        turn = store.record_user_turn(
            self.s,
            text=text,
            team="T1",
            channel="C1",
            thread_ts=t.thread_ts,
            user=t.customer,
            ts=ts,
            event_id=f"Ev{ts}",
        ).message
        t.conversation_id, t.last_turn = turn.conversation_id, turn.id
        self.times[turn.id] = t.start + timedelta(minutes=at)
        if mood:
            self.moods[turn.id] = mood
        return turn.id

    def reply(self, t: Thread, text: str, *, at: float, version: str, outcome: str = "model") -> int:
        reply = store.record_reply(
            self.s,
            reply_to_id=t.last_turn,
            text=text,
            model="supportbot",
            model_version=version,
            outcome=outcome,
        )
        self.times[reply.id] = t.start + timedelta(minutes=at)
        t.replies.append(reply.id)
        return reply.id

    def agent(self, t: Thread, text: str, *, at: float, user: str = "A1") -> int:
        ts = f"{next(_ts)}.0001"
        msg = store.record_user_turn(
            self.s,
            text=text,
            team="T1",
            channel="C1",
            thread_ts=t.thread_ts,
            user=user,
            ts=ts,
            event_id=f"Ev{ts}",
            role=Role.agent,
        ).message
        self.times[msg.id] = t.start + timedelta(minutes=at)
        return msg.id

    def vote(self, t: Thread, rating: int) -> None:
        store.record_feedback(self.s, message_id=t.replies[0], user=t.customer, rating=rating)

    def resolve_with_csat(self, t: Thread, score: int | None, *, agent: str = "A1") -> None:
        store.claim_handover(self.s, conversation_id=t.conversation_id, agent=agent)
        store.resolve_handover(self.s, conversation_id=t.conversation_id, agent=agent)
        if score is not None:
            store.record_csat(self.s, conversation_id=t.conversation_id, user=t.customer, score=score)

    def reason(self, t: Thread, reason: HandoverReason) -> None:
        self.s.execute(
            update(Conversation)
            .where(Conversation.id == t.conversation_id)
            .values(handover_reason=reason.value)
        )

    def settle_times(self, threads: list[Thread]) -> None:
        self.s.flush()
        for t in threads:
            self.s.execute(
                update(Conversation)
                .where(Conversation.id == t.conversation_id)
                .values(created_at=t.start, updated_at=t.start)
            )
        for message_id, when in self.times.items():
            values: dict[str, object] = {"created_at": when}
            if message_id in self.moods:
                values["sentiment"], values["frustration"] = self.moods[message_id]
            self.s.execute(update(Message).where(Message.id == message_id).values(**values))


def build_analytics(sessions, now: datetime = NOW) -> dict[str, int]:
    """The conversations of the table above; returns their ids by letter."""
    hours = {"A": 51, "B": 50, "C": 49, "D": 48, "L": 47, "E": 28, "F": 27, "G": 26, "H": 25, "I": 3, "J": 2}
    threads = {k: Thread(k, now - timedelta(hours=h), f"U{k}") for k, h in hours.items()}
    threads["K"] = Thread("K", now - timedelta(days=40), "UK")
    A, B, C, D, L, E, F, G, H, I, J, K = (threads[k] for k in "ABCDLEFGHIJK")  # noqa: E741
    with transaction(sessions) as s:
        w = Writer(s)
        w.ask(A, "How do I reset my password?", mood=("neutral", 0.1))
        w.reply(A, "Use Forgot password on the sign-in page.", at=1, version="v1")
        w.vote(A, +1)

        w.ask(B, "Where is my parcel?", mood=("neutral", 0.2))
        w.reply(B, "It is on its way; the tracking link is in your e-mail.", at=1, version="v1")
        w.ask(B, "And how long does it take?", at=5, mood=("positive", 0.0))
        w.reply(B, "Two to three working days.", at=6, version="v1")

        w.ask(C, "Can I change my delivery address?", mood=("neutral", 0.3))
        w.reply(C, "Yes, under Orders until it ships.", at=1, version="v1")
        w.ask(C, "It still shows the old address", at=180, mood=("negative", 0.7))
        w.reply(C, "Please try again after signing out and in.", at=181, version="v2")

        w.ask(D, "Do you price match?", mood=("negative", 0.6))
        w.reply(D, "We match any UK retailer's price.", at=1, version="v2")
        w.vote(D, -1)

        w.ask(L, "My invoice is wrong")
        w.reply(L, "Let me get a colleague to look at this.", at=1, version="v1", outcome="handover")

        w.ask(E, "I was charged twice", mood=("negative", 0.8))
        w.reply(E, "Let me get a colleague to look at this.", at=1, version="v2", outcome="handover")
        w.reason(E, HandoverReason.gate)
        store.mark_waiting(s, conversation_id=E.conversation_id, summary="charged twice")
        w.agent(E, "I refunded the second charge.", at=20)
        w.resolve_with_csat(E, 5)

        w.ask(F, "Can I pay in instalments?", mood=("neutral", 0.4))
        w.reply(F, "Yes, with Klarna at checkout.", at=1, version="v1")
        store.mark_waiting(s, conversation_id=F.conversation_id, summary="instalments")
        w.reason(F, HandoverReason.asked)
        w.agent(F, "Klarna splits it into three payments.", at=30)
        w.resolve_with_csat(F, 2)

        w.ask(G, "My discount code fails", mood=("negative", 0.5))
        w.reply(G, "Codes cannot be combined with sale prices.", at=1, version="v1")
        store.note_human_joined(s, conversation_id=G.conversation_id, user="A2")
        w.agent(G, "Try SAVE10 instead, it works on sale items.", at=10, user="A2")

        w.ask(H, "What are your opening hours?", mood=("positive", 0.0))
        w.reply(H, "Monday to Saturday, 9 to 6.", at=1, version="v2")
        w.vote(H, +1)
        w.ask(H, "Are you open on Sunday?", at=24.5 * 60, mood=("neutral", 0.1))
        w.reply(H, "No, we are closed on Sundays.", at=24.5 * 60 + 1, version="v2")

        w.ask(I, "Do you sell gift cards?", mood=("positive", 0.0))
        w.reply(I, "Yes, from 10 to 200 pounds.", at=1, version="v2")

        w.ask(J, "This is the third time I ask!!", mood=("negative", 0.9))
        w.reply(J, "Let me get a colleague to look at this.", at=1, version="v1", outcome="handover")
        w.reason(J, HandoverReason.frustration)
        store.mark_waiting(s, conversation_id=J.conversation_id, summary="third time")

        w.ask(K, "An old question", mood=("negative", 1.0))
        w.reply(K, "An old answer.", at=1, version="v1")
        w.vote(K, -1)
        w.settle_times(list(threads.values()))
    return {k: t.conversation_id for k, t in threads.items()}


CRYPTO = [
    "Can I pay with crypto?",
    "Do you accept Bitcoin as payment?",
    "Is paying in cryptocurrency possible?",
]
ANTARCTICA = [
    "Do you ship to Antarctica?",
    "Can you deliver my order to Antarctica?",
    "Is shipping to the South Pole available?",
]
UNRELATED = "What is the warranty on the Aura air purifier filter?"
# The best agent reply of each cluster: the crypto one from the conversation rated 5 (though a
# longer reply was rated 4); the Antarctica one, with no rating, the longest.
CRYPTO_BEST = "No crypto, sorry: cards or PayPal."
ANTARCTICA_BEST = "We do not ship to Antarctica; the furthest south we deliver is Punta Arenas in Chile."


def build_gaps(sessions, now: datetime) -> dict[str, int]:
    """Questions the bot handed over or got a 👎 for (and two that are no gap); the ids of the
    customer turns by question."""
    plan: list[tuple[str, str, list[tuple[str, int | None]]]] = [
        # question, how the bot's reply went, agent replies with the conversation's CSAT
        (
            CRYPTO[0],
            "handover",
            [("We accept cards and PayPal; we do not take any cryptocurrency at all.", 4)],
        ),
        (CRYPTO[1], "down", []),
        (CRYPTO[2], "handover", [(CRYPTO_BEST, 5)]),
        (ANTARCTICA[0], "handover", [(ANTARCTICA_BEST, None)]),
        (ANTARCTICA[1], "handover", [("No deliveries to Antarctica, sorry.", None)]),
        (ANTARCTICA[2], "down", []),
        (UNRELATED, "handover", []),
        ("How do I reset my password?", "up", []),  # answered well: no gap
    ]
    threads: list[Thread] = []
    asked: dict[str, int] = {}
    with transaction(sessions) as s:
        w = Writer(s)
        for i, (question, how, agents) in enumerate(plan):
            t = Thread(f"g{i}", now - timedelta(hours=30 - i), f"UG{i}")
            asked[question] = w.ask(t, question)
            outcome = "handover" if how == "handover" else "model"
            w.reply(t, "Let me get a colleague to look at this.", at=1, version="v2", outcome=outcome)
            if how in ("up", "down"):
                w.vote(t, +1 if how == "up" else -1)
            for j, (text, csat) in enumerate(agents):
                w.agent(t, text, at=10 + j)
                if outcome == "handover":
                    store.mark_waiting(s, conversation_id=t.conversation_id, summary=None)
                    w.resolve_with_csat(t, csat)
            threads.append(t)
        old = Thread("old", now - timedelta(days=45), "UOLD")  # a gap, but before every period
        asked["old"] = w.ask(old, "Can I pay with crypto coins?")
        w.reply(old, "Let me get a colleague to look at this.", at=1, version="v1", outcome="handover")
        threads.append(old)
        w.settle_times(threads)
    return asked
