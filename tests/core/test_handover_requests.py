"""A hand-over request posted apart (the support channel): its buttons, who may press them, and
the relay of its thread, through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from supportbot.core import store
from supportbot.core.enums import HandoverState, Role
from supportbot.core.errors import Forbidden, NotFound
from supportbot.core.models import Conversation
from supportbot.usecases import handover
from supportbot.usecases.messages import Incoming
from supportbot.usecases.relay import from_request_thread, to_request_thread
from tests.core.test_handover_lifecycle import AGENT, CUSTOMER, exchange

SUPPORT, REQUEST_TS = "C0SUPPORT", "500.1"


class Team:
    """The support team as a set of user ids (bot.support_team asks Slack instead)."""

    def __init__(self, *members: str) -> None:
        self.members = set(members)
        self.asked: list[tuple[str, str | None]] = []

    def may_act(self, user: str, *, group: str | None) -> bool:
        self.asked.append((user, group))
        return user in self.members


def requested(sessions) -> int:
    """A conversation in C1 handed over, its request posted in the support channel."""
    conv, reply = exchange(sessions, question="My parcel never arrived", answer="Sorry! Check tracking.")
    done = handover.hand_over(sessions, reply_id=reply, actor=CUSTOMER, shown_in=("C1", "100.19"))
    assert done.open_request is None
    view = handover.note_request(sessions, conversation_id=conv, channel=SUPPORT, ts=REQUEST_TS)
    assert (view.request_channel, view.request_ts, view.request_apart) == (SUPPORT, REQUEST_TS, True)
    return conv


def test_the_request_is_where_its_buttons_may_be_pressed_by_the_team_only(sessions):
    conv = requested(sessions)
    team = Team(AGENT)
    with pytest.raises(Forbidden):
        handover.claim(
            sessions, conversation_id=conv, agent="USTRANGER", in_thread=(SUPPORT, REQUEST_TS), agents=team
        )
    with sessions() as s:
        row = s.get(Conversation, conv)
        assert (row.handover, row.agent_user) == (HandoverState.waiting, None)
        (refusal, *_) = store.audit_entries(s, conversation_id=conv)
        assert (refusal.action, refusal.actor, refusal.detail) == (
            "conversation.refused",
            "USTRANGER",
            {"step": "conversation.claim"},
        )
    # The request's message and the customer's thread are the conversation's; no other message is.
    view = handover.claim(
        sessions, conversation_id=conv, agent=AGENT, in_thread=(SUPPORT, REQUEST_TS), agents=team
    )
    assert (view.state, view.agent) == (HandoverState.claimed, AGENT)
    with pytest.raises(NotFound):
        handover.resolve(
            sessions, conversation_id=conv, agent=AGENT, in_thread=(SUPPORT, "999.9"), agents=team
        )
    assert handover.resolve(
        sessions, conversation_id=conv, agent=AGENT, in_thread=("C1", "100.1"), agents=team
    ).state
    assert team.asked[0] == ("USTRANGER", None)  # the channel names no group of its own


def test_the_request_thread_is_relayed_both_ways(sessions):
    conv = requested(sessions)
    agent_says = Incoming(
        text="Hi, write to me at sam@example.com",
        channel=SUPPORT,
        thread_ts=REQUEST_TS,
        user=AGENT,
        ts="500.2",
    )
    turn = from_request_thread(sessions, agent_says)
    assert turn is not None and turn.created and turn.conversation_id == conv
    assert turn.relay is not None and (turn.relay.channel, turn.relay.thread_ts) == ("C1", "100.1")
    assert turn.relay.to_customer and "[EMAIL]" in turn.relay.text  # the stored, redacted text
    again = from_request_thread(sessions, agent_says)
    assert again is not None and not again.created and again.message_id == turn.message_id
    with sessions() as s:
        row = s.get(Conversation, conv)
        assert [m.role for m in row.messages][-1] == Role.agent and row.bot_quiet_since is not None
        assert not store.bot_may_answer(s, conversation_id=conv)
    # Not a request's thread, or the request's own top: nothing to relay.
    assert (
        from_request_thread(sessions, Incoming(text="hi", channel=SUPPORT, thread_ts="9.9", ts="9.91"))
        is None
    )
    assert (
        from_request_thread(
            sessions, Incoming(text="hi", channel=SUPPORT, thread_ts=REQUEST_TS, ts=REQUEST_TS)
        )
        is None
    )

    relay = to_request_thread(sessions, conversation_id=conv, author=CUSTOMER, text="Still nothing")
    assert relay is not None and (relay.channel, relay.thread_ts, relay.to_customer) == (
        SUPPORT,
        REQUEST_TS,
        False,
    )
    handover.hand_back(sessions, conversation_id=conv, agent=AGENT)
    assert to_request_thread(sessions, conversation_id=conv, author=CUSTOMER, text="Thanks") is None  # closed


def test_a_second_hand_over_names_the_open_request(sessions):
    conv = requested(sessions)
    again = handover.hand_over(sessions, conversation_id=conv, actor="supportbot", reason="asked twice")
    assert again.open_request == (SUPPORT, REQUEST_TS)
    handover.resolve(sessions, conversation_id=conv, agent=AGENT)
    later = handover.hand_over(sessions, conversation_id=conv, actor="supportbot", reason="new problem")
    assert later.open_request is None  # resolved since: a new request
