"""One pipeline for every entry point: `supportbot ask --file` and a Slack DM come to the same
outcome for the same turns (usecases.respond) — quiet in a thread a person of the team has joined,
a hand-over for a frustrated turn, and the same answer otherwise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.bot.test_handover_lifecycle import handover_request
from tests.bot.test_mood import FURIOUS

ROOT = Path(__file__).resolve().parents[2]
PLAIN = "How do I reset my password? I forgot it."
AGENT_TURN = "Hi, I'm Sam from the support team: I'm looking into your account now."
FOLLOW_UP = "thanks, and how long will that take?"


def ask_file(
    bot, tmp_path: Path, sample_world: Path, sentiment_dir: Path, rows: list[dict]
) -> dict[str, dict]:
    """The rows through `supportbot ask --file --json` on a copy of the bot's world and settings."""
    home = tmp_path / "ask-home"
    home.mkdir()
    shutil.copy(sample_world / "template.db", home / "supportbot.db")
    shutil.copytree(sample_world / "index", home / "index")
    path = home / "questions.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    s = bot.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env |= {
        "SUPPORTBOT_HOME": str(home),
        "SUPPORTBOT_MODEL_BASE_URL": s.model_base_url,
        "SUPPORTBOT_MAX_ANSWER_TOKENS": str(s.max_answer_tokens),
        "SUPPORTBOT_ESCALATE_BELOW_LOGPROB": str(s.escalate_below_logprob),
        "SUPPORTBOT_DISAGREE_BELOW": str(s.disagree_below),
        "SUPPORTBOT_LOOP_TIMES": str(s.loop_times),
        "SUPPORTBOT_SAME_REQUEST_BELOW": str(s.same_request_below),
        "SUPPORTBOT_SENTIMENT_MODEL": str(sentiment_dir),
    }
    done = subprocess.run(
        [sys.executable, "-m", "supportbot", "ask", "--file", str(path), "--json", "--concurrency", "1"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {row["id"]: row for row in map(json.loads, done.stdout.splitlines())}


def test_ask_and_a_slack_dm_come_to_the_same_outcome(
    bot_factory, mood_scorer, trained_sentiment, sample_world, tmp_path
):
    bot = bot_factory(mood=mood_scorer)
    channel = "D0CUSTOMER"

    # The same answer to a plain question.
    event, _ = bot.dm(PLAIN, channel=channel)
    plain = bot.wait_reply(channel, event["ts"])

    # A frustrated turn: handed to a person before any answer.
    event, _ = bot.dm(FURIOUS[0], channel=channel)
    furious = bot.wait_reply(channel, event["ts"])
    handover_request(bot, channel, event["ts"])

    # A person of the team joins the thread: the customer's next turn gets no answer from the bot.
    event, _ = bot.dm(PLAIN, channel=channel)
    thread = event["ts"]
    bot.wait_reply(channel, thread)
    bot.wait_idle()
    before = len(bot.fake.posted(channel))
    bot.in_thread(AGENT_TURN, channel=channel, thread_ts=thread, user="UAGENT01")
    follow, _ = bot.in_thread(FOLLOW_UP, channel=channel, thread_ts=thread)
    bot.wait_idle()
    from supportbot.core import store

    with bot.sessions() as s:
        asked = store.message_by_slack_ts(s, channel=channel, ts=follow["ts"])
        assert asked is not None and store.reply_to(s, message_id=asked.id) is None  # stored, unanswered
    assert len(bot.fake.posted(channel)) == before  # nothing said in Slack

    got = ask_file(
        bot,
        tmp_path,
        sample_world,
        trained_sentiment[0].sentiment_model_dir,
        [
            {"id": "plain", "question": PLAIN},
            {"id": "furious", "question": FURIOUS[0]},
            {"id": "held", "turns": [PLAIN, {"agent": AGENT_TURN}, FOLLOW_UP]},
        ],
    )
    assert (got["plain"]["outcome"], got["plain"]["answer"]) == (plain.outcome, plain.text)
    assert [s["id"] for s in got["plain"]["sources"]] == [h.ticket_external_id for h in plain.hits]
    assert furious.outcome == got["furious"]["outcome"] == "handover"
    assert got["furious"]["answer"] == furious.text and "frustrating" in furious.text
    assert got["held"]["outcome"] == "quiet" and got["held"]["answer"] is None
