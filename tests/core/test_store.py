from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import ConversationStatus, JobStatus, ModelStatus, Rating, Role
from supportbot.core.errors import Conflict, NotFound
from supportbot.core.models import Message
from supportbot.core.store import ConversationFilter


def ask(sessions, *, text="Where is my order?", event_id="Ev1", ts="100.1", thread_ts=None, channel="C1"):
    with transaction(sessions) as s:
        rec = store.record_user_turn(
            s, text=text, team="T1", channel=channel, thread_ts=thread_ts, user="U1", ts=ts, event_id=event_id
        )
        return rec.message.id, rec.created


def count_messages(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count(Message.id)))


def test_same_event_twice_is_stored_once(sessions):
    first = ask(sessions)
    again = ask(sessions)
    assert first[1] is True and again == (first[0], False)
    assert count_messages(sessions) == 1


def test_mention_delivered_as_two_events_is_one_message(sessions):
    # Slack sends an @mention as app_mention and as message: two event ids, one channel+ts.
    first = ask(sessions, event_id="EvMention")
    second = ask(sessions, event_id="EvMessage")
    assert second == (first[0], False)
    assert count_messages(sessions) == 1


def test_same_event_from_many_threads_at_once_leaves_one_message(sessions):
    barrier = threading.Barrier(8)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            results.append(ask(sessions, event_id="EvRace", ts="200.5"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sum(created for _, created in results) == 1
    assert len({mid for mid, _ in results}) == 1
    assert count_messages(sessions) == 1


def test_thread_follow_up_joins_the_conversation_and_history_is_ordered(sessions):
    q1, _ = ask(sessions, text="q1", event_id="E1", ts="1.0")
    with transaction(sessions) as s:
        store.record_reply(s, reply_to_id=q1, text="a1", model_version="v1", prompt_mode="chat")
    q2, _ = ask(sessions, text="q2", event_id="E2", ts="2.0", thread_ts="1.0")
    with sessions() as s:
        m2 = s.get(Message, q2)
        m1 = s.get(Message, q1)
        assert m1.conversation_id == m2.conversation_id
        history = store.thread_history(s, conversation_id=m2.conversation_id, before_id=q2)
        assert [(m.role, m.text) for m in history] == [(Role.user, "q1"), (Role.assistant, "a1")]
        newest = store.thread_history(s, conversation_id=m2.conversation_id, limit=2)
        assert [m.text for m in newest] == ["a1", "q2"]


def test_reply_with_hits_feedback_and_rating(sessions):
    qid, _ = ask(sessions)
    with transaction(sessions) as s:
        ticket, change = store.upsert_ticket(s, external_id="T-1", question="q", resolution="r")
        assert change == "created"
        reply = store.record_reply(
            s,
            reply_to_id=qid,
            text="Your order ships tomorrow.",
            model="supportbot",
            model_version="v3",
            prompt_mode="completion",
            latency_ms=120,
            prompt_tokens=50,
            completion_tokens=9,
            confidence=0.8,
            outcome="model",
            hits=[store.Hit(ticket.id, "T-1", 0.91), store.Hit(None, "T-gone", 0.5)],
        )
        rid = reply.id
    with transaction(sessions) as s:
        store.record_feedback(s, message_id=rid, user="U1", rating=1)
        store.record_feedback(s, message_id=rid, user="U1", rating=-1)  # changed their mind
        store.record_feedback(
            s, message_id=rid, user="admin", comment="wrong", corrected_answer="Better answer"
        )
    with sessions() as s:
        conv = store.get_conversation(s, conversation_id=s.get(Message, rid).conversation_id)
        bot = conv.messages[1]
        assert [(h.rank, h.ticket_external_id, h.score) for h in bot.hits] == [
            (1, "T-1", 0.91),
            (2, "T-gone", 0.5),
        ]
        assert sorted((f.user, f.rating) for f in bot.feedback) == [("U1", -1), ("admin", None)]
        assert conv.rating == -1 and conv.status == ConversationStatus.answered
    # The same question can never get a second stored reply.
    with pytest.raises(Exception), transaction(sessions) as s:  # noqa: B017 - IntegrityError, any driver
        store.record_reply(s, reply_to_id=qid, text="again")


def test_escalation_marks_the_conversation(sessions):
    qid, _ = ask(sessions)
    with transaction(sessions) as s:
        store.record_reply(s, reply_to_id=qid, text="Handing over", outcome="handover")
    with sessions() as s:
        (row,) = store.list_conversations(s)
        assert row.status == "escalated"


def listed(session, **filters):
    return store.list_conversations(session, matching=ConversationFilter(**filters))


def test_list_conversations_filters(sessions):
    a, _ = ask(sessions, text="refund for my blender", event_id="A", ts="1.1", channel="C1")
    b, _ = ask(sessions, text="password reset", event_id="B", ts="1.2", channel="C2")
    with transaction(sessions) as s:
        ra = store.record_reply(s, reply_to_id=a, text="ok", model_version="v1")
        store.record_reply(s, reply_to_id=b, text="ok", model_version="v2", outcome="handover")
        store.record_feedback(s, message_id=ra.id, user="U", rating=-1)
    with sessions() as s:
        # Newest activity first: the 👎 on the blender answer came last.
        assert [r.first_question for r in store.list_conversations(s)] == [
            "refund for my blender",
            "password reset",
        ]
        assert [r.channel for r in listed(s, channel="C1")] == ["C1"]
        assert [r.first_question for r in listed(s, rating=Rating.down)] == ["refund for my blender"]
        assert [r.first_question for r in listed(s, unrated=True)] == ["password reset"]
        assert [r.status for r in listed(s, status=ConversationStatus.escalated)] == ["escalated"]
        assert [r.model_version for r in listed(s, model_version="v1")] == ["v1"]
        assert [r.first_question for r in listed(s, query="blender")] == ["refund for my blender"]
        assert store.count_conversations(s, matching=ConversationFilter(query="password")) == 1
        assert [r.messages for r in store.list_conversations(s, limit=1, offset=1)] == [2]
        assert store.count_conversations(s, cap=1) == 2  # more than the cap: cap + 1
        assert store.count_conversations(s, matching=ConversationFilter(channel="C2"), cap=1) == 1
        assert not ConversationFilter(channel="C1", unrated=True).looks_into_messages
        assert ConversationFilter(model_version="v1").looks_into_messages
        with pytest.raises(ValueError):
            ConversationFilter(rating=Rating.up, unrated=True)


def test_ticket_upsert_updates_instead_of_duplicating(sessions):
    with transaction(sessions) as s:
        assert store.upsert_ticket(s, external_id="T-9", question="q", resolution="r")[1] == "created"
        assert store.upsert_ticket(s, external_id="T-9", question="q", resolution="r")[1] == "unchanged"
        assert store.upsert_ticket(s, external_id="T-9", question="q", resolution="r2")[1] == "updated"
        assert store.count_tickets(s) == 1
        assert store.get_ticket(s, external_id="T-9").resolution == "r2"


def test_jobs_lifecycle(sessions):
    with transaction(sessions) as s:
        j1 = store.enqueue_job(s, config={"epochs": 1}, requested_by="U1").id
        j2 = store.enqueue_job(s).id
    with transaction(sessions) as s:
        claimed = store.claim_job(s, worker_id="w1")
        assert claimed.id == j1 and claimed.status == JobStatus.running
    with transaction(sessions) as s:
        assert store.heartbeat(s, job_id=j1, progress=0.5).cancel_requested is False
        store.request_cancel(s, job_id=j1)
        assert store.heartbeat(s, job_id=j1).cancel_requested is True
        store.finish_job(s, job_id=j1, status=JobStatus.cancelled)
        with pytest.raises(Conflict):
            store.request_cancel(s, job_id=j1)
        store.request_cancel(s, job_id=j2)  # queued: cancelled at once
        assert store.get_job(s, job_id=j2).status == JobStatus.cancelled
        store.requeue_job(s, job_id=j2)
    with transaction(sessions) as s:
        assert store.claim_job(s, worker_id="w2").id == j2
        assert store.claim_job(s, worker_id="w3") is None


def test_stale_running_job_is_reaped(sessions):
    with transaction(sessions) as s:
        jid = store.enqueue_job(s).id
    with transaction(sessions) as s:
        job = store.claim_job(s, worker_id="dead-worker")
        job.heartbeat_at = job.heartbeat_at - timedelta(minutes=10)
    with transaction(sessions) as s:
        assert store.reap_stale_jobs(s, stale_after=timedelta(minutes=5)) == [jid]
        job = store.get_job(s, job_id=jid)
        assert job.status == JobStatus.failed and "dead-worker" in job.error


def test_model_versions_activate_and_rollback(sessions):
    with transaction(sessions) as s:
        store.create_model_version(s, name="base", base_model="m")
        store.create_model_version(s, name="v1", base_model="m", adapter_path="/a/v1")
        store.create_model_version(s, name="v2", base_model="m", adapter_path="/a/v2")
        with pytest.raises(Conflict):
            store.create_model_version(s, name="v2", base_model="m")
        with pytest.raises(Conflict):
            store.rollback(s)
    for name in ("base", "v1", "v2"):
        with transaction(sessions) as s:
            store.activate(s, name=name)
    with transaction(sessions) as s:
        assert store.active_model_version(s).name == "v2"
        assert store.rollback(s).name == "v1"
    with transaction(sessions) as s:
        assert store.active_model_version(s).name == "v1"
        assert store.get_model_version(s, name="v2").status == ModelStatus.candidate
        assert store.rollback(s).name == "base"
        with pytest.raises(NotFound):
            store.get_model_version(s, name="v9")


def test_training_export_uses_corrections_and_drops_bad_answers(sessions):
    q1, _ = ask(sessions, text="q1", event_id="X1", ts="5.1")
    with transaction(sessions) as s:
        r1 = store.record_reply(s, reply_to_id=q1, text="bad answer").id
    q2, _ = ask(sessions, text="q2", event_id="X2", ts="5.2", thread_ts="5.1")
    with transaction(sessions) as s:
        r2 = store.record_reply(s, reply_to_id=q2, text="good answer").id
        conv_id = s.get(Message, q1).conversation_id
    # Not approved, nothing rated up: not exported.
    with sessions() as s:
        assert store.training_conversations(s) == []
    with transaction(sessions) as s:
        store.record_feedback(s, message_id=r2, user="U", rating=1)
        store.record_feedback(s, message_id=r1, user="U", rating=-1)
    with sessions() as s:
        # The 👎 reply without a correction ends the usable part: nothing is left to learn from.
        assert store.training_conversations(s) == []
        assert store.training_conversations(s, approved_only=True) == []
    with transaction(sessions) as s:
        store.record_feedback(s, message_id=r1, user="lead", corrected_answer="fixed answer")
        store.set_approved(s, conversation_id=conv_id)
    with sessions() as s:
        (row,) = store.training_conversations(s, approved_only=True)
        assert row["messages"] == [
            {"role": "user", "content": "q1"},
            {"role": "assistant", "content": "fixed answer"},
            {"role": "user", "content": "q2"},
            {"role": "assistant", "content": "good answer"},
        ]
