"""Related questions under an answer: chosen from the answer's own search, picked with a click,
offered as suggested prompts in the assistant pane; none under a hand-over."""

from __future__ import annotations

import json
import logging

import pytest

from supportbot.core.enums import Role
from supportbot.core.grounding import TermWeights
from supportbot.core.models import Conversation, Message
from supportbot.core.scoring import words
from supportbot.usecases.messages import Source
from supportbot.usecases.related import SPARE, Retrieved, related_questions, tidy
from supportbot.usecases.suggestions import names_no_one
from tests.bot.test_assistant import assistant_thread_started
from tests.slack_world import ADMIN, SAMPLE, wait_until


def _source(n: int, question: str, resolution: str, score: float) -> Source:
    return Source(n, f"T-{n}", score, question, resolution)


def test_only_other_requests_that_name_no_one_are_offered():
    reset = "Sent a new password reset link; the customer opened it within the hour and logged in."
    sources = [
        _source(1, "My password reset link has expired.", reset, 0.9),
        _source(2, "The reset link says it is no longer valid.", reset, 0.85),
        _source(3, "Reset email link does not work.", reset, 0.8),
    ]
    more = [
        _source(4, "Hi team, my password reset link has expired. Thanks!", reset, 0.95),  # the same
        _source(5, "Is order 4821937 eligible for a refund?", "Refund issued to the card in 5 days.", 0.6),
        _source(6, "Please write to [EMAIL] instead.", "Changed the contact address on the account.", 0.6),
        _source(7, "Another reset link did not arrive either.", reset.replace("hour", "day"), 0.6),
        _source(
            8, "Hello, How do I turn on two-factor sign-in? Kind regards.", "Enabled 2FA in Security.", 0.6
        ),
        _source(
            9, "How can I close my account for good?", "Deleted the account after confirming by mail.", 0.55
        ),
        _source(10, "Can I turn on two-factor sign-in from the app?", "Enabled 2FA in Security.", 0.5),
        _source(11, "Why is my Plus membership renewing?", "Switched off auto-renewal in Membership.", 0.45),
        _source(12, "Where do I find my invoices?", "Pointed to Orders > Invoices.", 0.3),  # too far off
    ]
    weights = TermWeights([s.resolution for s in sources + more] + ["Explained the policy."] * 20)
    shown = related_questions(
        "My password reset link expired", Retrieved(sources, more), escalates=False, weights=lambda: weights
    )
    # Not the same request again (4, 7), no one's order number or redacted address (5, 6), one
    # question per request (10 is 8's), not beyond three, the greeting and sign-off taken off.
    assert shown == [
        "How do I turn on two-factor sign-in?",
        "How can I close my account for good?",
        "Why is my Plus membership renewing?",
    ]
    assert related_questions("x", Retrieved(sources, more), escalates=True, weights=lambda: weights) == []
    assert related_questions("x", sources, escalates=False, weights=lambda: weights) == []  # no spares


def test_greetings_and_sign_offs_are_taken_off_the_question():
    assert tidy("Dear Brindle Home support, Where is my parcel? Thank you.") == "Where is my parcel?"
    assert tidy("Good afternoon, the app crashes. Looking forward to your reply.") == "The app crashes."
    assert tidy("Hi team,  I was charged twice.  Thanks for your help.") == "I was charged twice."
    assert tidy("Thanks.") == "Thanks."  # nothing would be left: kept as it was
    assert tidy("Is there a refund if I cancel? Best regards") == "Is there a refund if I cancel?"


@pytest.fixture(scope="module")
def retrieval(sample_world, embedder):
    from supportbot.core.db import make_engine, session_factory
    from supportbot.retrieval.search import Retriever

    engine = make_engine(f"sqlite:///{sample_world / 'template.db'}")
    sessions = session_factory(engine)
    yield Retriever.from_index(sample_world / "index", sessions=sessions, embedder=embedder, k=3), sessions
    engine.dispose()


def test_on_the_sample_the_related_questions_are_other_requests_than_the_answers(retrieval):
    """Against the sample's labelled intents: the search's next hits are mostly the answer's own
    request again; the related questions almost never are, nor repeat each other's."""
    retriever, sessions = retrieval
    tickets = [json.loads(line) for line in (SAMPLE / "tickets.jsonl").read_text().splitlines()]
    intent = {t["id"]: t["intent"] for t in tickets}
    weights = TermWeights.from_store(sessions)
    asked = tickets[::10]
    results = retriever.search_many([t["question"] for t in asked], k=3 + SPARE)
    shown = same_request = repeated = naive_same = 0
    for hits in results:
        found = [Source(h.ticket_id, h.external_id, h.score, h.question, h.resolution) for h in hits]
        sources = Retrieved.split(found, 3)
        related = related_questions(hits[0].question, sources, escalates=False, weights=lambda: weights)
        assert len(related) <= 3 and all(names_no_one(q) for q in related)
        by_text = {tidy(s.question): s for s in sources.more}
        picked = [by_text[q] for q in related]
        assert not {s.ticket_id for s in picked} & {s.ticket_id for s in sources}
        assert not {" ".join(words(q)) for q in related} & {" ".join(words(s.question)) for s in sources}
        answered = intent[sources[0].external_id]
        intents = [intent[s.external_id] for s in picked]
        shown += len(related)
        same_request += sum(i == answered for i in intents)
        repeated += len(intents) - len(set(intents))
        # The baseline: the next three hits that name no one, as the search ranks them.
        naive = [s for s in sources.more if names_no_one(s.question)][:3]
        naive_same += sum(intent[s.external_id] == answered for s in naive)
    assert shown >= len(asked)  # more than one per answer on average
    assert same_request <= 0.05 * shown and repeated <= 0.05 * shown
    assert naive_same >= 0.3 * 3 * len(asked)  # what the filter is for


def shown_related(message) -> list[dict]:
    blocks = [b for b in message["blocks"] if b.get("block_id") == "related_questions"]
    return blocks[0]["elements"] if blocks else []


def test_an_answer_offers_related_questions_that_are_not_its_sources(bot):
    event, _ = bot.mention("Can I change the delivery address of my order?")
    reply = bot.wait_reply(event["channel"], event["ts"])
    buttons = shown_related(bot.slack_message(event["channel"], reply.slack_ts))
    assert 1 <= len(buttons) <= 3
    assert [b["action_id"] for b in buttons] == [f"related_question_{n}" for n in range(1, len(buttons) + 1)]
    offered = [b["value"] for b in buttons]
    assert offered == reply.details["related"]  # stored with the reply, for review and analytics
    assert all(len(b["text"]["text"]) <= 75 and len(b["value"]) <= 2000 for b in buttons)
    assert all(names_no_one(q) for q in offered)
    with bot.sessions() as s:
        from supportbot.core.models import Ticket

        sources = {s.get(Ticket, h.ticket_id).question for h in reply.hits}
    assert not sources & set(offered)


def test_a_picked_related_question_is_answered_in_the_thread_once(bot, caplog):
    caplog.set_level(logging.INFO, logger="supportbot.bot.listeners.actions")
    event, _ = bot.mention("Can I change the delivery address of my order?", user="U0CUST")
    channel = event["channel"]
    reply = bot.wait_reply(channel, event["ts"])
    picked = shown_related(bot.slack_message(channel, reply.slack_ts))[0]["value"]

    # Someone else in the channel may not pick for the customer.
    bot.click("related_question_1", reply_ts=reply.slack_ts, channel=channel, user="U0OTHER")
    assert bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"), timeout=10)
    (refusal,) = bot.fake.calls_to("chat.postEphemeral")
    assert refusal.args["user"] == "U0OTHER" and "customer who asked" in refusal.args["text"]

    bot.click("related_question_1", reply_ts=reply.slack_ts, channel=channel, user="U0CUST")
    second = bot.wait_reply(channel, f"{reply.slack_ts}1")
    assert second.conversation_id == reply.conversation_id and second.text
    shown = bot.slack_message(channel, second.slack_ts)
    assert shown["thread_ts"] == event["ts"] and shown["text"] == second.text
    echo = [c for c in bot.fake.posted(channel) if "asked:" in (c.args.get("text") or "")]
    assert len(echo) == 1 and picked in echo[0].args["text"] and echo[0].args["thread_ts"] == event["ts"]

    bot.click("related_question_1", reply_ts=reply.slack_ts, channel=channel, user="U0CUST")  # again
    assert wait_until(lambda: "picked before" in caplog.text, timeout=10)
    bot.wait_idle()
    with bot.sessions() as s:
        turns = s.get(Conversation, reply.conversation_id).messages
        questions = [m for m in turns if m.role == Role.user]
        assert [m.text for m in questions] == ["Can I change the delivery address of my order?", picked]
        assert questions[1].slack_user == "U0CUST"
        assert sum(m.role == Role.assistant for m in turns) == 2
        assert s.query(Message).count() == 4  # the stranger's click stored nothing
    assert len(bot.fake.posted(channel)) == 3  # the answer, the echo, the second answer


def test_in_an_assistant_thread_the_related_questions_become_suggested_prompts(bot):
    thread = "1800000000.000077"
    assistant_thread_started(bot, thread_ts=thread)
    assert bot.fake.wait_for(lambda: bot.fake.calls_to("assistant.threads.setSuggestedPrompts"), timeout=10)
    ts = bot.next_ts()
    event = {
        "type": "message",
        "channel_type": "im",
        "user": "U0CUST",
        "text": "Can I change the delivery address of my order?",
        "ts": ts,
        "thread_ts": thread,
        "channel": "D0PANE",
        "event_ts": ts,
    }
    bot.post(bot.envelope(event))
    reply = bot.wait_reply("D0PANE", ts)
    assert reply.details["related"]
    calls = bot.fake.calls_to("assistant.threads.setSuggestedPrompts")
    assert bot.fake.wait_for(lambda: len(bot.fake.calls_to("assistant.threads.setSuggestedPrompts")) == 2)
    _greeting, after = bot.fake.calls_to("assistant.threads.setSuggestedPrompts")
    assert calls[0].args["title"] == "Customers often ask"
    assert after.args["title"] == "Related questions" and after.args["thread_ts"] == thread
    prompts = after.args["prompts"]
    prompts = json.loads(prompts) if isinstance(prompts, str) else prompts
    assert [p["message"] for p in prompts] == reply.details["related"]
    assert all(len(p["title"]) <= 75 for p in prompts)


def test_a_hand_over_offers_no_related_questions(bot_factory):
    bot = bot_factory(escalate_below_score=0.99)  # no ticket is that close: every answer is handed over
    event, _ = bot.mention("Can I change the delivery address of my order?")
    reply = bot.wait_reply(event["channel"], event["ts"])
    assert reply.outcome == "handover"
    assert shown_related(bot.slack_message(event["channel"], reply.slack_ts)) == []
    assert reply.details["related"] == []


def test_in_private_mode_the_picked_question_and_its_answer_stay_private(bot):
    assert "private: on" in bot.command("channel private on", user=ADMIN, channel="C0PRIVATE").text
    event, _ = bot.mention(
        "Can I change the delivery address of my order?", channel="C0PRIVATE", user="U0CUST"
    )
    # Once its ephemeral message is known to the reply (its buttons are checked against it).
    first = bot.wait_reply("C0PRIVATE", event["ts"])
    shown = bot.slack_message("C0PRIVATE", first.slack_ts)
    assert shown.get("ephemeral_to") == "U0CUST"
    picked = shown_related(shown)[0]["value"]
    bot.click("related_question_1", reply_ts=shown["ts"], channel="C0PRIVATE", user="U0CUST")
    second = bot.wait_reply("C0PRIVATE", f"{shown['ts']}1")
    assert bot.question("C0PRIVATE", f"{shown['ts']}1").text == picked
    assert bot.fake.posted("C0PRIVATE") == []  # nothing the channel sees
    echo, answer = bot.fake.calls_to("chat.postEphemeral")[1:]
    assert echo.args["user"] == answer.args["user"] == "U0CUST" and picked in echo.args["text"]
    assert answer.args["thread_ts"] == event["ts"] and answer.args["text"] == second.text
