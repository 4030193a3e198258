"""A follow-up in a thread is answered from the conversation, not from its last line alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supportbot.core.models import Message
from supportbot.usecases.messages import Incoming

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
INTENT = {
    (row := json.loads(line))["id"]: row["intent"]
    for line in (SAMPLE / "tickets.jsonl").read_text().splitlines()
    if line
}


def turn(bot, text: str, ts: str, *, thread: str):
    responder = bot.responder
    recorded = responder.record(
        Incoming(text=text, source="local", channel="CFOLLOW", thread_ts=thread, ts=ts)
    )
    return responder.answer(recorded.message.id)


def test_a_follow_up_retrieves_the_first_turns_ticket(bot):
    follow_up = "and how long does that take?"
    alone = bot.responder.retriever.search(follow_up, k=1)
    # Asked on its own, the follow-up finds some other request: what the thread must fix.
    assert INTENT[alone[0].external_id] != "double_charge"

    first = turn(bot, "I was charged twice for the same order.", "5.0001", thread="5.0001")
    assert INTENT[first.sources[0].external_id] == "double_charge"
    second = turn(bot, follow_up, "5.0002", thread="5.0001")
    assert INTENT[second.sources[0].external_id] == "double_charge"
    assert second.sources[0].score > alone[0].score

    # A new subject in the same thread is searched on its own words.
    third = turn(bot, "How do I reset my password? I forgot it.", "5.0003", thread="5.0001")
    assert INTENT[third.sources[0].external_id] == "password_reset"
    with bot.sessions() as s:
        assert s.get(Message, second.message_id).reply_to_id == second.question_id


def test_ask_file_threads_ask_the_follow_up_after_the_first_turn(bot):
    from supportbot.bot.ask import ask_many, read_questions
    from supportbot.usecases.respond import Pipeline

    lines = [
        json.dumps(
            {"id": "t1", "turns": ["I was charged twice for the same order.", "and how long does that take?"]}
        ),
        json.dumps({"id": "q1", "question": "and how long does that take?"}),
    ]
    questions = list(read_questions(iter(lines)))
    assert questions[0].earlier == (("ask", "I was charged twice for the same order."),)
    pipeline = Pipeline(bot.responder, bot.responder.settings)
    got = {q.id: handled.reply for q, handled in ask_many(pipeline, questions, concurrency=2)}
    assert INTENT[got["t1"].sources[0].external_id] == "double_charge"
    assert INTENT[got["q1"].sources[0].external_id] != "double_charge"


def test_a_new_subject_in_a_thread_is_searched_on_its_own_words(bot):
    """A self-contained question after another request's turn: the thread, which still names the
    first subject, can edge past the question's own closest ticket, and must not drag it back."""
    from supportbot.usecases.followup import pick, thread_query

    retriever = bot.responder.retriever
    earlier = "Can I change my login email address?"
    question = "Hi Brindle team, I want to leave Brindle Plus but keep my normal account. Any ideas?"
    alone, with_thread = retriever.search_many([question, thread_query(question, [earlier])], k=5)
    assert INTENT[alone[0].external_id] == "plus_cancel"
    # "Whichever scores higher" answered the e-mail address again.
    assert with_thread[0].score > alone[0].score
    assert INTENT[pick(alone, with_thread, self_contained=1.0)[0].external_id] == "change_email"

    first = turn(bot, earlier, "6.0001", thread="6.0001")
    assert INTENT[first.sources[0].external_id] == "change_email"
    second = turn(bot, question, "6.0002", thread="6.0001")
    assert INTENT[second.sources[0].external_id] == "plus_cancel"


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        ("How long?", True),
        ("And how long does that usually take?", True),
        ("ok, and what if it doesn't arrive?", True),
        ("What about if I'm ordering from abroad?", True),
        ("Can I do this in the app instead?", True),
        ("Hi there, is the same true for sale items?", True),
        ("Can I change the delivery address on an order I placed an hour ago?", False),
        ("Hi there, how do I unsubscribe from your newsletter emails please?", False),
        ("To whom it may concern, please delete my account and my data.", False),
        ("The courier says it was delivered today but nothing arrived at my door.", False),
        ("", False),
    ],
)
def test_a_question_that_refers_back_reads_as_a_follow_up(question, follows):
    from supportbot.usecases.followup import refers_back

    assert refers_back(question) is follows


def test_a_follow_up_that_points_back_takes_its_thread_even_when_its_own_words_find_something(bot):
    """ "Do I need a receipt for it?" alone finds the invoice tickets nearly as close as the thread
    finds the first subject's: the score rule alone kept its own words; the pronoun pointing back
    makes it a follow-up."""
    from supportbot.usecases.followup import pick, thread_query

    earlier = "I'd like to cancel Brindle Plus before the next renewal. How?"
    question = "Do I need a receipt for it?"
    alone, with_thread = bot.responder.retriever.search_many(
        [question, thread_query(question, [earlier])], k=5
    )
    assert INTENT[alone[0].external_id] == "invoice_request"
    assert 0.85 * with_thread[0].score <= alone[0].score < with_thread[0].score
    assert INTENT[pick(alone, with_thread)[0].external_id] == "invoice_request"  # the score rule

    first = turn(bot, earlier, "7.0001", thread="7.0001")
    assert INTENT[first.sources[0].external_id] == "plus_cancel"
    second = turn(bot, question, "7.0002", thread="7.0001")
    assert INTENT[second.sources[0].external_id] == "plus_cancel"
