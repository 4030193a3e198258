"""The hand-over lifecycle, per-channel answer modes and private answers, over signed HTTP against
the fake Slack: the bot stops talking once a human has joined a thread, and starts again only when
handed back."""

from __future__ import annotations

import pytest

from supportbot.core.enums import ConversationStatus, HandoverState, Role
from supportbot.core.models import Conversation
from tests.slack_world import ADMIN, SUPPORT_GROUP, wait_until

AGENT = "U0AGENT"


@pytest.fixture(autouse=True)
def support_team(fake_slack):
    """The agent is in the support group: the lifecycle's buttons are the support team's."""
    fake, _ = fake_slack
    fake.usergroups[SUPPORT_GROUP] = [AGENT]


def handover_request(bot, channel: str, thread_ts: str) -> dict:
    """The message asking the support team to take the thread over."""
    assert bot.fake.wait_for(
        lambda: any(_has_block(m, "handover_actions") for m in bot.fake.thread_messages(channel, thread_ts)),
        timeout=10,
    )
    return next(m for m in bot.fake.thread_messages(channel, thread_ts) if _has_block(m, "handover_actions"))


def _has_block(message: dict, block_id: str) -> bool:
    return any(b.get("block_id") == block_id for b in message.get("blocks") or [])


def bot_texts(bot, channel: str) -> list[str]:
    return [c.args.get("text") or c.args.get("markdown_text") or "" for c in bot.fake.posted(channel)]


def test_a_human_in_the_thread_quiets_the_bot_until_it_is_handed_back(bot, caplog):
    event, _ = bot.mention("My discount code does not work at checkout", channel="C0DESK", user="U0CUST")
    thread = event["ts"]
    reply = bot.wait_reply("C0DESK", thread)
    bot.click("handover", reply_ts=reply.slack_ts, channel="C0DESK", user="U0CUST")
    request = handover_request(bot, "C0DESK", thread)
    assert "discount code" in request["text"] or "discount code" in str(request["blocks"])

    # An agent answers in the thread: stored as theirs, and from now on the bot stays quiet.
    bot.in_thread(
        "Hi, I'm Sam from support, let me look at your code.", channel="C0DESK", thread_ts=thread, user=AGENT
    )
    bot.wait_idle()
    posts_before = len(bot.fake.posted("C0DESK"))
    _follow_up, _ = bot.in_thread(
        "It says the code has expired.", channel="C0DESK", thread_ts=thread, user="U0CUST"
    )
    bot.wait_idle()
    assert len(bot.fake.posted("C0DESK")) == posts_before  # no bot reply
    with bot.sessions() as s:
        conversation = s.get(Conversation, reply.conversation_id)
        roles = [m.role for m in conversation.messages]
        assert roles.count(Role.agent) == 1 and roles[-1] == Role.user  # every message recorded
        assert conversation.agent_user == AGENT and conversation.bot_quiet_since is not None

    # The customer's own press of "Hand back" does not wake the bot over the agent's head.
    bot.click("handover_back", reply_ts=request["ts"], channel="C0DESK", user="U0CUST")
    assert wait_until(lambda: "handover_back click ignored" in caplog.text, timeout=10)
    with bot.sessions() as s:
        assert s.get(Conversation, reply.conversation_id).bot_quiet_since is not None

    # "Hand back to the bot": the bot is in charge again, and the next question is answered.
    bot.click("handover_back", reply_ts=request["ts"], channel="C0DESK", user=AGENT)
    assert bot.fake.wait_for(lambda: "handed this back" in " ".join(bot_texts(bot, "C0DESK")), timeout=10)
    with bot.sessions() as s:
        conversation = s.get(Conversation, reply.conversation_id)
        assert conversation.handover is None and conversation.bot_quiet_since is None
    again, _ = bot.in_thread("Can I still use it?", channel="C0DESK", thread_ts=thread, user="U0CUST")
    assert bot.wait_reply("C0DESK", again["ts"]).text


def test_resolved_asks_the_customer_for_a_rating_and_stores_it(bot, caplog):
    event, _ = bot.mention("I was charged twice for one order", channel="C0DESK", user="U0CUST")
    reply = bot.wait_reply("C0DESK", event["ts"])
    bot.click("handover", reply_ts=reply.slack_ts, channel="C0DESK", user="U0CUST")
    request = handover_request(bot, "C0DESK", event["ts"])
    bot.click("handover_claim", reply_ts=request["ts"], channel="C0DESK", user=AGENT)
    assert bot.fake.wait_for(
        lambda: "is taking care of this" in " ".join(bot_texts(bot, "C0DESK")), timeout=10
    )
    bot.click("handover_resolve", reply_ts=request["ts"], channel="C0DESK", user=AGENT)

    def prompt():
        return next(
            (m for m in bot.fake.thread_messages("C0DESK", event["ts"]) if _has_block(m, "csat_actions")),
            None,
        )

    assert bot.fake.wait_for(lambda: prompt() is not None, timeout=10)
    bot.click("csat_2", reply_ts=prompt()["ts"], channel="C0DESK", user=AGENT)  # not theirs to rate
    assert wait_until(lambda: "rating click ignored" in caplog.text, timeout=10)  # refused, said so
    assert _csat(bot, reply.conversation_id) is None
    bot.click("csat_4", reply_ts=prompt()["ts"], channel="C0DESK", user="U0CUST")
    assert bot.fake.wait_for(lambda: "4/5" in (prompt()["text"] or ""), timeout=10)
    with bot.sessions() as s:
        conversation = s.get(Conversation, reply.conversation_id)
        assert conversation.csat == 4 and conversation.handover == HandoverState.resolved
        assert conversation.status == ConversationStatus.resolved


def _csat(bot, conversation_id: int):
    with bot.sessions() as s:
        return s.get(Conversation, conversation_id).csat


def top_level(bot, text: str, *, channel: str, user: str = "U0CUST"):
    ts = bot.next_ts()
    event = {"type": "message", "channel_type": "channel", "user": user, "text": text, "ts": ts}
    event |= {"channel": channel, "event_ts": ts}
    return event, bot.post(bot.envelope(event))


def test_mentions_only_ignores_an_unmentioned_message_and_all_answers_it(bot):
    quiet, response = top_level(bot, "How do I reset my password?", channel="C0GENERAL")
    assert response.status_code == 200
    bot.wait_idle()
    assert bot.fake.posted("C0GENERAL") == [] and bot.question("C0GENERAL", quiet["ts"]) is None  # not stored

    assert (
        "answers every new message" in bot.command("channel mode all", user=ADMIN, channel="C0GENERAL").text
    )
    asked, _ = top_level(bot, "How do I reset my password?", channel="C0GENERAL")
    reply = bot.wait_reply("C0GENERAL", asked["ts"])
    assert bot.fake.posted("C0GENERAL")[0].args["thread_ts"] == asked["ts"] and reply.text


def test_a_private_answer_is_ephemeral_and_share_posts_it(bot, caplog):
    assert "private: on" in bot.command("channel private on", user=ADMIN, channel="C0PRIVATE").text
    event, _ = bot.mention("How do I reset my password?", channel="C0PRIVATE", user="U0CUST")
    assert bot.fake.wait_for(lambda: bot.fake.calls_to("chat.postEphemeral"), timeout=60)
    (ephemeral,) = bot.fake.calls_to("chat.postEphemeral")
    assert ephemeral.args["user"] == "U0CUST" and ephemeral.args["thread_ts"] == event["ts"]
    assert bot.fake.posted("C0PRIVATE") == []  # nothing the channel sees
    shown = next(m for m in bot.fake.messages.values() if m.get("ephemeral_to") == "U0CUST")
    buttons = [e["action_id"] for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "share_answer" in buttons

    bot.click("share_answer", reply_ts=shown["ts"], channel="C0PRIVATE", user="U0SOMEONE")  # not theirs
    bot.click("share_answer", reply_ts=shown["ts"], channel="C0PRIVATE", user="U0CUST")
    assert bot.fake.wait_for(lambda: len(bot.fake.posted("C0PRIVATE")) >= 1, timeout=10)
    assert wait_until(lambda: "share click ignored" in caplog.text, timeout=10)  # the stranger's, refused
    assert len(bot.fake.posted("C0PRIVATE")) == 1
    shared = bot.fake.posted("C0PRIVATE")[0].args
    assert shared["text"] == ephemeral.args["text"] and shared["thread_ts"] == event["ts"]
