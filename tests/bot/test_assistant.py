"""The assistant pane and the message shortcut, over signed HTTP against the fake Slack."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from supportbot.core import store
from tests.fake_slack import TEAM_ID
from tests.slack_world import wait_until


def assistant_thread_started(bot, *, channel: str = "D0PANE", thread_ts: str = "1800000000.000001"):
    event = {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": "U0CUST",
            "context": {"channel_id": "C0GENERAL", "team_id": TEAM_ID, "enterprise_id": None},
            "channel_id": channel,
            "thread_ts": thread_ts,
        },
        "event_ts": thread_ts,
    }
    return bot.post(bot.envelope(event))


def test_a_new_assistant_thread_greets_and_suggests_the_most_common_questions(bot):
    # The shortest question of the most-asked category names one customer's order: never shown.
    from supportbot.core.db import transaction

    with transaction(bot.sessions) as s:
        (top, _), *_ = store.ticket_categories(s, limit=1)
        store.upsert_ticket(
            s, external_id="T-SHORT", question="Order 4821937?", resolution="Shipped.", category=top
        )
    assert assistant_thread_started(bot).status_code == 200
    assert bot.fake.wait_for(lambda: bot.fake.calls_to("assistant.threads.setSuggestedPrompts"), timeout=10)
    (greeting,) = bot.fake.posted("D0PANE")
    assert greeting.args["thread_ts"] == "1800000000.000001" and "solved tickets" in greeting.args["text"]
    (call,) = bot.fake.calls_to("assistant.threads.setSuggestedPrompts")
    prompts = call.args["prompts"]
    assert len(prompts) == 4 and all(len(p["title"]) <= 75 for p in prompts)
    assert "4821937" not in json.dumps(prompts)
    with bot.sessions() as s:
        shortest = store.shortest_questions(s, categories=4)
    # One per category, the shortest that names no one: for the top one, the next shortest.
    assert [p["message"] for p in prompts][1:] == [qs[0] for qs in shortest[1:]]
    assert prompts[0]["message"] == shortest[0][1] and shortest[0][0] == "Order 4821937?"


def test_a_question_in_the_pane_shows_the_status_and_titles_the_thread(bot):
    thread = "1800000000.000002"
    assistant_thread_started(bot, thread_ts=thread)
    ts = bot.next_ts()
    event = {
        "type": "message",
        "channel_type": "im",
        "user": "U0CUST",
        "text": "How do I reset my password?",
        "ts": ts,
        "thread_ts": thread,
        "channel": "D0PANE",
        "event_ts": ts,
    }
    bot.post(bot.envelope(event))
    reply = bot.wait_reply("D0PANE", ts)
    status = bot.fake.calls_to("assistant.threads.setStatus")
    assert [c.args["status"] for c in status] == ["is looking through past tickets…"]
    greeting, answer = bot.fake.posted("D0PANE")
    assert greeting.at <= status[0].at <= answer.at  # shown while the answer was being written
    (title,) = bot.fake.calls_to("assistant.threads.setTitle")
    assert title.args["title"] == "How do I reset my password?"
    assert reply.text


def test_the_message_shortcut_answers_in_that_messages_thread(bot):
    asked = "Can I change the delivery address of my order?"
    message_ts = bot.next_ts()
    payload = {
        "type": "message_action",
        "callback_id": "ask_supportbot",
        "trigger_id": "1.2.3",
        "team": {"id": TEAM_ID},
        "channel": {"id": "C0GENERAL", "name": "general"},
        "user": {"id": "U0AGENT"},
        "message": {"type": "message", "user": "U0CUST", "text": asked, "ts": message_ts},
        "message_ts": message_ts,
        "response_url": "https://hooks.invalid/shortcut/1",
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert bot.post(body, content_type="application/x-www-form-urlencoded").status_code == 200
    reply = bot.wait_reply("C0GENERAL", message_ts)
    (post,) = bot.fake.posted("C0GENERAL")
    assert post.args["thread_ts"] == message_ts and reply.text
    assert wait_until(lambda: bot.question("C0GENERAL", message_ts) is not None)
    assert bot.question("C0GENERAL", message_ts).text == asked
