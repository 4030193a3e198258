"""Customer mood in Slack, with the project's own sentiment classifier (trained once per run on
the sample): every customer turn is scored and stored; a frustrated customer is handed to a person
without asking; asking for a person in words is offered one at once, and a second ask hands over;
topics for people only are never answered by the bot; a surge of negative messages posts exactly
one alert to the support channel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from supportbot.core.enums import HandoverReason, HandoverState, Role, Sentiment
from supportbot.core.models import Conversation, Message, utcnow
from tests.bot.test_handover_lifecycle import handover_request
from tests.slack_world import SUPPORT_GROUP

ALERTS = "C0ALERTS"
FURIOUS = [
    "THIS IS THE THIRD TIME I'M WRITING!!! WHERE IS MY REFUND?? your service is an absolute joke",
    "I AM SO DONE WITH YOU PEOPLE. my order is two weeks late and NOBODY answers. UNACCEPTABLE!!!",
    "are you kidding me?? charged TWICE and still no refund. worst company ever, I'm furious",
    "WHY IS MY ACCOUNT LOCKED AGAIN?!?! I've reset the password 4 times, this is ridiculous!!!",
    "honestly disgusted. broken product, no reply for a week, I want my money back NOW!!!",
    "STOP SENDING ME THE SAME USELESS LINK. the tracking has not moved in 10 days. FIX IT!!!",
]


@pytest.fixture
def moody(bot_factory, mood_scorer):
    return lambda **overrides: bot_factory(mood=mood_scorer, **overrides)


def _question(bot, channel: str, ts: str) -> Message:
    from supportbot.core import store

    with bot.sessions() as s:
        found = store.message_by_slack_ts(s, channel=channel, ts=ts)
        assert found is not None
        s.expunge(found)
        return found


def _texts(bot, channel: str, thread_ts: str) -> list[str]:
    return [m.get("text") or "" for m in bot.fake.thread_messages(channel, thread_ts)]


def test_a_calm_question_is_scored_and_answered(moody):
    bot = moody()
    event, _ = bot.mention(
        "Hi, could you tell me how long delivery to Canada takes? Thanks!", channel="C0DESK"
    )
    reply = bot.wait_reply("C0DESK", event["ts"])
    question = _question(bot, "C0DESK", event["ts"])
    assert question.sentiment in (Sentiment.neutral.value, Sentiment.positive.value)
    assert question.frustration is not None and question.frustration < 0.5
    assert question.topic == "shipping"  # the closest ticket's category, kept with the question
    assert reply.outcome != "handover"
    blocks = bot.slack_message("C0DESK", reply.slack_ts)["blocks"]
    assert "A person from our support team" not in str(blocks)  # no offer to a calm customer


def test_a_frustrated_customer_is_handed_over_without_asking(moody):
    bot = moody()
    event, _ = bot.mention(FURIOUS[0], channel="C0DESK", user="U0ANGRY")
    reply = bot.wait_reply("C0DESK", event["ts"])
    assert reply.outcome == "handover"
    assert "sorry this has been so frustrating" in reply.text
    request = handover_request(bot, "C0DESK", event["ts"])
    assert f"<!subteam^{SUPPORT_GROUP}>" in request["text"]
    assert "The customer is frustrated" in str(request["blocks"])
    question = _question(bot, "C0DESK", event["ts"])
    assert question.sentiment == Sentiment.negative.value
    assert question.frustration >= bot.settings.frustration_handover_at
    with bot.sessions() as s:
        conversation = s.get(Conversation, reply.conversation_id)
        assert conversation.handover is HandoverState.waiting
        assert conversation.handover_reason == HandoverReason.frustration.value
        # The bot did not write an answer first: the hand-over is its only reply.
        assert [m.role for m in conversation.messages] == [Role.user, Role.assistant]


def test_asking_for_a_person_is_offered_one_at_once_and_a_second_ask_hands_over(moody):
    bot = moody()
    event, _ = bot.mention("Can I talk to a human about my discount code please?", channel="C0DESK")
    thread = event["ts"]
    reply = bot.wait_reply("C0DESK", thread)
    assert reply.outcome != "handover"
    blocks = bot.slack_message("C0DESK", reply.slack_ts)["blocks"]
    assert "A person from our support team can take over right away" in str(blocks)
    talk = [
        e
        for b in blocks
        if b.get("block_id") == "reply_actions"
        for e in b["elements"]
        if e["action_id"] == "handover"
    ]
    assert talk and talk[0].get("style") == "primary"

    again, _ = bot.in_thread(
        "I want to speak to a real person, not a bot.", channel="C0DESK", thread_ts=thread
    )
    second = bot.wait_reply("C0DESK", again["ts"])
    assert second.outcome == "handover"
    handover_request(bot, "C0DESK", thread)
    with bot.sessions() as s:
        assert s.get(Conversation, reply.conversation_id).handover_reason == HandoverReason.repeated_ask.value


def test_topics_for_people_only_are_handed_over(moody):
    bot = moody(handover_keywords=["chargeback"], handover_topics=["privacy"])
    # A keyword: no answer, whatever the mood.
    event, _ = bot.mention("I will file a chargeback with my bank for order 1234.", channel="C0DESK")
    reply = bot.wait_reply("C0DESK", event["ts"])
    assert reply.outcome == "handover" and "one for our support team" in reply.text
    # A category: the closest ticket is about privacy; the model is never asked.
    calls_before = bot_model_calls(bot)
    event, _ = bot.mention("Please delete all the personal data you hold about me.", channel="C0OTHER")
    reply = bot.wait_reply("C0OTHER", event["ts"])
    assert reply.outcome == "handover"
    assert bot_model_calls(bot) == calls_before
    with bot.sessions() as s:
        assert s.get(Conversation, reply.conversation_id).handover_reason == HandoverReason.topic.value
        assert "privacy" in (s.get(Message, reply.id).details or {}).get("reason", "")


def bot_model_calls(bot) -> int:
    """Replies the model wrote so far (a hand-over before the model is asked writes none)."""
    from sqlalchemy import func, select

    with bot.sessions() as s:
        return s.scalar(select(func.count(Message.id)).where(Message.model.is_not(None))) or 0


def test_a_surge_of_negative_messages_posts_exactly_one_alert(moody):
    bot = moody(alert_channel=ALERTS, alert_min_messages=5)
    # Yesterday's baseline: twenty calm, scored customer turns.
    from supportbot.core import store
    from supportbot.core.db import transaction

    earlier = utcnow() - timedelta(hours=3)
    with transaction(bot.sessions) as s:
        for i in range(20):
            recorded = store.record_user_turn(
                s, text=f"Thanks, that helped ({i}).", source="slack", channel="C0PAST", thread_ts=f"{i}.0",
                user="U0PAST", ts=f"{i}.0",
            )  # fmt: skip
            recorded.message.created_at = earlier
            recorded.message.sentiment = Sentiment.positive.value
            recorded.message.frustration = 0.05
    for i, text in enumerate(FURIOUS):
        event, _ = bot.mention(text, channel="C0DESK", user=f"U0ANGRY{i}")
        bot.wait_reply("C0DESK", event["ts"])
    bot.wait_idle()
    alerts = bot.fake.posted(ALERTS)
    assert len(alerts) == 1, [a.args.get("text") for a in alerts]
    text = alerts[0].args["text"]
    assert "Customers are unhappy" in text and "Top topics" in text
    with bot.sessions() as s:
        stored = store.list_alerts(s)
        assert len(stored) == 1 and stored[0].slack_ts and stored[0].messages >= 5
