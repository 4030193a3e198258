"""Hand-overs the support team sees: every request in the support channel with a link to the
customer's thread, its buttons for the support team only, and its thread relayed both ways; over
signed HTTP against the fake Slack."""

from __future__ import annotations

import pytest

from supportbot.core import store
from supportbot.core.enums import HandoverState, Role
from supportbot.core.models import Conversation
from tests.slack_world import ADMIN, SUPPORT_GROUP, wait_until

SUPPORT = "C0SUPPORT"
AGENT, STRANGER = "U0AGENT", "U0STRANGER"
DM = "D0CUSTOMER"
CUSTOMER = "UCUSTOMER"


@pytest.fixture
def desk(bot_factory):
    """A bot with a support channel, and a support group that has one agent in it."""
    bot = bot_factory(support_channel=SUPPORT)
    bot.fake.usergroups[SUPPORT_GROUP] = [AGENT]
    return bot


def _has_block(message: dict, block_id: str) -> bool:
    return any(b.get("block_id") == block_id for b in message.get("blocks") or [])


def request_in_support_channel(bot) -> dict:
    """The hand-over request posted (top level) in the support channel."""

    def found():
        return next(
            (
                m
                for (channel, _), m in sorted(bot.fake.messages.items())
                if channel == SUPPORT and not m.get("thread_ts") and _has_block(m, "handover_actions")
            ),
            None,
        )

    assert bot.fake.wait_for(lambda: found() is not None, timeout=10)
    request = found()
    assert request is not None
    return request


def handed_over_dm(bot, text: str = "My discount code does not work at checkout"):
    """A DM answered, then "Talk to a human" pressed: (the DM's thread ts, the reply, the request)."""
    event, _ = bot.dm(text, channel=DM, user=CUSTOMER)
    reply = bot.wait_reply(DM, event["ts"])
    bot.click("handover", reply_ts=reply.slack_ts, channel=DM, user=CUSTOMER)
    request = request_in_support_channel(bot)
    # Stored once posted: the click is done.
    assert wait_until(lambda: conversation(bot, reply.conversation_id).handover_ts is not None, 10)
    return event["ts"], reply, request


def conversation(bot, conversation_id: int) -> Conversation:
    with bot.sessions() as s:
        row = s.get(Conversation, conversation_id)
        _ = [m.role for m in row.messages]
        s.expunge_all()
        return row


def texts_in(bot, channel: str, thread_ts: str) -> list[str]:
    return [m.get("text") or "" for m in bot.fake.thread_messages(channel, thread_ts)]


def dm_in_thread(bot, text: str, *, thread_ts: str) -> dict:
    ts = bot.next_ts()
    event = {"type": "message", "channel_type": "im", "user": CUSTOMER, "text": text, "ts": ts}
    event |= {"thread_ts": thread_ts, "channel": DM, "event_ts": ts}
    assert bot.post(bot.envelope(event)).status_code == 200
    return event


def test_a_dm_hand_over_reaches_the_support_channel_with_its_summary_and_a_link(desk):
    thread, reply, request = handed_over_dm(desk)
    # The summary, the group's tag and a link to the customer's DM thread, in the message and its blocks.
    text = request["text"]
    assert f"<!subteam^{SUPPORT_GROUP}>" in text
    assert "Customer asked: My discount code does not work at checkout" in text
    (asked,) = desk.fake.calls_to("chat.getPermalink")
    assert (asked.args["channel"], asked.args["message_ts"]) == (DM, thread)
    link = f"https://fake.slack/archives/{DM}/p{thread.replace('.', '')}"
    assert link in text and link in str(request["blocks"])
    # Stored on the conversation; the DM itself holds no request with the team's buttons.
    row = conversation(desk, reply.conversation_id)
    assert (row.handover_channel, row.handover_ts) == (SUPPORT, request["ts"])
    assert row.handover is HandoverState.waiting
    assert not any(_has_block(m, "handover_actions") for m in desk.fake.thread_messages(DM, thread))


def test_only_the_support_team_may_press_the_requests_buttons(desk):
    thread, reply, request = handed_over_dm(desk)
    for action in ("handover_resolve", "handover_claim"):
        desk.click(action, reply_ts=request["ts"], channel=SUPPORT, user=STRANGER)
    assert desk.fake.wait_for(lambda: len(desk.fake.calls_to("chat.postEphemeral")) == 2, timeout=10)
    for refusal in desk.fake.calls_to("chat.postEphemeral"):
        assert refusal.args["user"] == STRANGER and refusal.args["channel"] == SUPPORT
        assert "only the support team" in refusal.args["text"]
    row = conversation(desk, reply.conversation_id)
    assert (row.handover, row.agent_user) == (HandoverState.waiting, None)  # nothing changed
    with desk.sessions() as s:
        refused = [
            e for e in store.audit_entries(s, conversation_id=reply.conversation_id) if e.actor == STRANGER
        ]
        assert sorted(e.detail["step"] for e in refused) == ["conversation.claim", "conversation.resolve"]
        assert {e.action for e in refused} == {"conversation.refused"}

    # A member of the support group takes it: said in the request's thread and to the customer.
    desk.click("handover_claim", reply_ts=request["ts"], channel=SUPPORT, user=AGENT)
    assert desk.fake.wait_for(
        lambda: any("is taking care of this" in t for t in texts_in(desk, DM, thread)), timeout=10
    )
    assert any("is taking care of this" in t for t in texts_in(desk, SUPPORT, request["ts"]))
    row = conversation(desk, reply.conversation_id)
    assert (row.handover, row.agent_user) == (HandoverState.claimed, AGENT)

    # An admin (in no group) resolves it: the customer is asked for a rating in their own thread.
    desk.click("handover_resolve", reply_ts=request["ts"], channel=SUPPORT, user=ADMIN)
    assert desk.fake.wait_for(
        lambda: any(_has_block(m, "csat_actions") for m in desk.fake.thread_messages(DM, thread)), timeout=10
    )
    assert conversation(desk, reply.conversation_id).handover is HandoverState.resolved
    assert len(desk.fake.calls_to("chat.postEphemeral")) == 2  # no refusal for either
    # The group's members were asked of Slack once, then kept.
    assert len(desk.fake.calls_to("usergroups.users.list")) == 1


def test_the_request_thread_relays_both_ways_and_the_bot_stays_quiet(desk):
    thread, reply, request = handed_over_dm(desk, "I was charged twice for one order")
    desk.click("handover_claim", reply_ts=request["ts"], channel=SUPPORT, user=AGENT)
    assert desk.fake.wait_for(
        lambda: any("is taking care of this" in t for t in texts_in(desk, DM, thread)), timeout=10
    )

    # The agent answers in the request's thread: posted in the customer's DM thread by the bot,
    # stored as the agent's turn of the customer's conversation (redacted like every turn).
    said, _ = desk.in_thread(
        "Hi, I'm Sam. I see two charges, write to me at sam@example.com",
        channel=SUPPORT,
        thread_ts=request["ts"],
        user=AGENT,
    )
    assert desk.fake.wait_for(lambda: any("I'm Sam" in t for t in texts_in(desk, DM, thread)), timeout=10)
    (relayed,) = [t for t in texts_in(desk, DM, thread) if "I'm Sam" in t]
    assert relayed.startswith(f"*<@{AGENT}>*") and "sam@example.com" not in relayed and "[EMAIL]" in relayed
    row = conversation(desk, reply.conversation_id)
    agent_turn = row.messages[-1]
    assert (agent_turn.role, agent_turn.slack_user, agent_turn.slack_ts) == (Role.agent, AGENT, said["ts"])
    assert "[EMAIL]" in agent_turn.text and row.bot_quiet_since is not None

    # The customer writes back in the DM thread: relayed into the request's thread, and the bot
    # (a person holds the conversation) does not answer.
    posts_in_dm = len(desk.fake.posted(DM))
    follow_up = dm_in_thread(desk, "Thanks, the second charge is from yesterday", thread_ts=thread)
    assert desk.fake.wait_for(
        lambda: any("second charge" in t for t in texts_in(desk, SUPPORT, request["ts"])), timeout=10
    )
    desk.wait_idle()
    assert len(desk.fake.posted(DM)) == posts_in_dm  # no answer from the bot
    (to_agents,) = [t for t in texts_in(desk, SUPPORT, request["ts"]) if "second charge" in t]
    assert f"<@{CUSTOMER}>" in to_agents
    row = conversation(desk, reply.conversation_id)
    assert [m.role for m in row.messages][-2:] == [Role.agent, Role.user]
    assert row.messages[-1].slack_ts == follow_up["ts"]
    # A second delivery of the agent's reply is relayed once.
    desk.post(desk.envelope({**said}))
    desk.wait_idle()
    assert len([t for t in texts_in(desk, DM, thread) if "I'm Sam" in t]) == 1


def test_a_second_ask_while_the_request_is_open_goes_to_its_thread(desk):
    thread, reply, request = handed_over_dm(desk)
    # Waiting for a person (nobody took it yet), the bot still answers; the turn is relayed too.
    asked = dm_in_thread(desk, "How do I reset my password?", thread_ts=thread)
    follow = desk.wait_reply(DM, asked["ts"])
    assert follow.conversation_id == reply.conversation_id
    assert wait_until(
        lambda: any("reset my password" in t for t in texts_in(desk, SUPPORT, request["ts"])), 10
    )
    desk.click("handover", reply_ts=follow.slack_ts, channel=DM, user=CUSTOMER)
    assert wait_until(lambda: any("Asked again" in t for t in texts_in(desk, SUPPORT, request["ts"])), 10)
    tops = [m for (ch, _), m in desk.fake.messages.items() if ch == SUPPORT and not m.get("thread_ts")]
    assert [m["ts"] for m in tops if _has_block(m, "handover_actions")] == [request["ts"]]
    row = conversation(desk, reply.conversation_id)
    assert (row.handover_channel, row.handover_ts) == (SUPPORT, request["ts"])


def test_without_a_support_channel_the_request_stays_in_the_thread(bot):
    event, _ = bot.dm("My discount code does not work at checkout", channel=DM, user=CUSTOMER)
    reply = bot.wait_reply(DM, event["ts"])
    bot.click("handover", reply_ts=reply.slack_ts, channel=DM, user=CUSTOMER)
    assert bot.fake.wait_for(
        lambda: any(_has_block(m, "handover_actions") for m in bot.fake.thread_messages(DM, event["ts"])),
        timeout=10,
    )
    assert bot.fake.calls_to("chat.getPermalink") == []
    row = conversation(bot, reply.conversation_id)
    assert (row.handover_channel, row.handover_ts) == (None, None)


def test_the_fake_answers_the_two_new_methods_like_slack(fake_slack):
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    fake, url = fake_slack
    fake.usergroups["S0TEAM"] = ["U0ONE", "U0TWO"]
    client = WebClient(token="xoxb-test", base_url=url)
    assert client.usergroups_users_list(usergroup="S0TEAM")["users"] == ["U0ONE", "U0TWO"]
    with pytest.raises(SlackApiError) as missing:
        client.usergroups_users_list(usergroup="S0NONE")
    assert missing.value.response["error"] == "no_such_subteam"
    link = client.chat_getPermalink(channel="D0CUSTOMER", message_ts="1800000001.000200")
    assert link["permalink"] == "https://fake.slack/archives/D0CUSTOMER/p1800000001000200"
    with pytest.raises(SlackApiError) as bad:
        client.chat_getPermalink(channel="D0CUSTOMER", message_ts="")
    assert bad.value.response["error"] == "message_not_found"


def test_the_support_team_is_asked_of_slack_once_a_minute(fake_slack):
    from slack_sdk import WebClient

    from supportbot.bot.support_team import SupportTeam

    fake, url = fake_slack
    now = [0.0]
    team = SupportTeam(
        WebClient(token="xoxb-test", base_url=url), group="S0TEAM", admins=[ADMIN], clock=lambda: now[0]
    )
    assert not team.may_act(AGENT)  # Slack knows no such group (yet): nobody but the admins
    assert team.may_act(ADMIN)
    fake.usergroups["S0TEAM"] = [AGENT]
    assert team.may_act(AGENT)  # a refusal from Slack is not kept
    fake.usergroups["S0TEAM"] = []
    now[0] = 59.0
    assert team.may_act(AGENT) and not team.may_act(STRANGER)  # kept for a minute
    now[0] = 61.0
    assert not team.may_act(AGENT)
    assert len(fake.calls_to("usergroups.users.list")) == 3
    fake.usergroups["S0BILLING"] = [STRANGER]
    assert team.may_act(STRANGER, group="S0BILLING")  # the channel's own group counts too
    assert SupportTeam(None, group=None).may_act(STRANGER)  # no group at all: as before


def test_a_retried_delivery_relays_the_customers_turn_once(desk):
    """The customer's turn goes to the request's thread before the bot answers it; when the
    answer then fails for a moment (the database restarting) and the delivery is retried, the
    turn is not posted to the support team twice."""
    from sqlalchemy.exc import OperationalError

    thread, _, request = handed_over_dm(desk)
    listener = desk.server.inbox.deliver.__self__
    answer, failed = listener.answer, []

    def answer_failing_once(entry, plan):
        if not failed:
            failed.append(entry.key)
            raise OperationalError("SELECT 1", {}, Exception("the database is restarting"))
        return answer(entry, plan)

    listener.answer = answer_failing_once
    asked = dm_in_thread(desk, "How do I reset my password?", thread_ts=thread)
    desk.wait_reply(DM, asked["ts"])
    desk.wait_idle()
    assert failed == [f"{DM}:{asked['ts']}"]  # the first delivery failed, the retry answered
    relayed = [t for t in texts_in(desk, SUPPORT, request["ts"]) if "reset my password" in t]
    assert len(relayed) == 1, relayed
