"""The hand-over lifecycle and its summary, through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import ConversationStatus, HandoverState
from supportbot.core.errors import Conflict, InvalidInput, NotFound
from supportbot.core.models import AuditEntry, Conversation
from supportbot.usecases import handover
from supportbot.usecases.channels import set_channel_setting

CUSTOMER, AGENT, OTHER = "UCUSTOMER", "UAGENT01", "UAGENT02"


def exchange(sessions, *, question, answer, ts="100.1", thread=None, outcome="model", reason=None):
    """A question and the bot's reply in channel C1; (conversation id, reply id)."""
    with transaction(sessions) as s:
        turn = store.record_user_turn(
            s, text=question, team="T1", channel="C1", thread_ts=thread or ts, user=CUSTOMER, ts=ts
        ).message
        reply = store.record_reply(
            s,
            reply_to_id=turn.id,
            text=answer,
            outcome=outcome,
            details={"reason": reason} if reason else {},
            slack_channel="C1",
            slack_ts=f"{ts}9",
        )
        return turn.conversation_id, reply.id


def conversation(sessions, conversation_id) -> Conversation:
    with sessions() as s:
        return s.get(Conversation, conversation_id)


def test_asked_for_a_human_waits_with_a_two_line_summary_and_is_audited(sessions):
    conv, reply = exchange(
        sessions,
        question="My parcel   never arrived and\nthe tracking page is empty. " + "Please help. " * 20,
        answer="Sorry to hear that! Parcels can take up to five days. Check the tracking link.",
    )
    done = handover.hand_over(sessions, reply_id=reply, actor=CUSTOMER, shown_in=("C1", "100.19"))
    assert done.conversation_id == conv and done.group is None
    first, second = done.summary.split("\n")
    assert first.startswith("Customer asked: My parcel never arrived and the tracking page is empty.")
    assert len(first) <= len("Customer asked: ") + handover.SUMMARY_LINE_CHARS and first.endswith("…")
    # A greeting alone says nothing: the gist runs on to the first sentences with substance.
    assert (
        second
        == "Bot answered: Sorry to hear that! Parcels can take up to five days. Check the tracking link."
    )
    row = conversation(sessions, conv)
    assert (row.handover, row.status) == (HandoverState.waiting, ConversationStatus.escalated)
    assert row.handover_summary == done.summary
    assert handover.two_line_summary(sessions, conversation_id=conv) == done.summary
    with sessions() as s:
        assert [e.action for e in store.audit_entries(s, conversation_id=conv)] == ["conversation.handover"]
    # The button's value names a reply: it must be the message that was clicked.
    with pytest.raises(NotFound):
        handover.hand_over(sessions, reply_id=reply, actor=CUSTOMER, shown_in=("C1", "999.1"))


def test_the_gate_hand_over_says_why_and_tags_the_channel_group(sessions):
    conv, _ = exchange(
        sessions,
        question="Is the blue kettle compatible with my espresso machine?",
        answer="I'm not sure about this one.",
        outcome="handover",
        reason="closest ticket scores 0.41 < 0.50",
    )
    set_channel_setting(sessions, team="T1", channel="C1", name="group", value="S0BILLING", actor="UADMIN")
    done = handover.hand_over(sessions, conversation_id=conv, actor="supportbot", default_group="S0GLOBAL")
    assert done.summary.split("\n")[1] == "Handed over: closest ticket scores 0.41 < 0.50"
    assert done.group == "S0BILLING"
    with pytest.raises(ValueError):
        handover.hand_over(sessions, actor="supportbot")


def test_claim_quiet_hand_back_and_resolve_with_a_rating(sessions):
    conv, reply = exchange(sessions, question="I was charged twice", answer="Let me check.")
    assert handover.bot_may_answer(sessions, conversation_id=conv)
    with pytest.raises(Conflict):  # nothing to claim before a hand-over
        handover.claim(sessions, conversation_id=conv, agent=AGENT)
    handover.hand_over(sessions, reply_id=reply, actor=CUSTOMER)
    assert handover.bot_may_answer(sessions, conversation_id=conv)  # waiting: no human there yet

    # The customer writing again does not silence the bot; anyone else does.
    assert handover.note_human_joined(sessions, conversation_id=conv, user=CUSTOMER) is False
    assert handover.bot_may_answer(sessions, conversation_id=conv)
    assert handover.note_human_joined(sessions, conversation_id=conv, user=AGENT) is True
    assert handover.note_human_joined(sessions, conversation_id=conv, user=OTHER) is False
    assert not handover.bot_may_answer(sessions, conversation_id=conv)
    state = handover.handover_state(sessions, conversation_id=conv)
    assert (state.agent, state.bot_quiet, state.state) == (AGENT, True, HandoverState.waiting)

    back = handover.hand_back(sessions, conversation_id=conv, agent=AGENT, in_thread=("C1", "100.1"))
    assert (back.state, back.bot_quiet) == (None, False)
    assert handover.bot_may_answer(sessions, conversation_id=conv)
    assert conversation(sessions, conv).status == ConversationStatus.answered

    handover.hand_over(sessions, reply_id=reply, actor=CUSTOMER)
    with pytest.raises(InvalidInput):
        handover.claim(sessions, conversation_id=conv, agent=CUSTOMER)
    with pytest.raises(NotFound):  # a button from another thread
        handover.claim(sessions, conversation_id=conv, agent=AGENT, in_thread=("C1", "555.5"))
    claimed = handover.claim(sessions, conversation_id=conv, agent=AGENT)
    assert (claimed.state, claimed.agent) == (HandoverState.claimed, AGENT)
    assert not handover.bot_may_answer(sessions, conversation_id=conv)  # an agent holds it
    assert handover.claim(sessions, conversation_id=conv, agent=AGENT).agent == AGENT  # again: no-op
    with pytest.raises(Conflict, match="taken by UAGENT01"):
        handover.claim(sessions, conversation_id=conv, agent=OTHER)
    # Asking for a human again keeps it with the agent.
    handover.hand_over(sessions, reply_id=reply, actor=CUSTOMER)
    assert conversation(sessions, conv).handover == HandoverState.claimed

    with pytest.raises(Conflict, match="not resolved"):
        handover.record_csat(sessions, conversation_id=conv, user=CUSTOMER, score=5)
    resolved = handover.resolve(sessions, conversation_id=conv, agent=AGENT)
    assert resolved.state == HandoverState.resolved
    assert conversation(sessions, conv).status == ConversationStatus.resolved
    for user, score in [(AGENT, 5), (CUSTOMER, 0), (CUSTOMER, 6), (CUSTOMER, True)]:
        with pytest.raises(InvalidInput):
            handover.record_csat(sessions, conversation_id=conv, user=user, score=score)
    handover.record_csat(sessions, conversation_id=conv, user=CUSTOMER, score=2)
    assert handover.record_csat(sessions, conversation_id=conv, user=CUSTOMER, score=4).csat == 4
    with sessions() as s:
        actions = [e.action for e in s.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == [
        "conversation.handover",
        "conversation.hand_back",
        "conversation.handover",
        "conversation.claim",
        "conversation.claim",
        "conversation.handover",
        "conversation.resolve",
    ]


def test_the_state_survives_a_new_engine(db_url, migrated_engine, sessions):
    from supportbot.core.db import make_engine, session_factory

    conv, reply = exchange(sessions, question="Where is my refund?", answer="It takes 5 days.")
    handover.hand_over(sessions, reply_id=reply, actor=CUSTOMER)
    handover.note_human_joined(sessions, conversation_id=conv, user=AGENT)
    engine = make_engine(db_url)  # another process, after a restart
    try:
        later = session_factory(engine)
        assert not handover.bot_may_answer(later, conversation_id=conv)
        assert handover.handover_state(later, conversation_id=conv).agent == AGENT
    finally:
        engine.dispose()


def test_unknown_conversations(sessions):
    assert handover.bot_may_answer(sessions, conversation_id=424242)
    for call in (handover.two_line_summary, handover.handover_state):
        with pytest.raises(NotFound):
            call(sessions, conversation_id=424242)
    with pytest.raises(NotFound):
        handover.resolve(sessions, conversation_id=424242, agent=AGENT)
