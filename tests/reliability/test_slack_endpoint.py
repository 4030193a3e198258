"""Audit findings 5 and 7 on the Slack side: what reaches /slack/events from outside.

Each test sends what the audit sent, as a real HTTP request to the running bot.
"""

from __future__ import annotations

import json
import logging
import re
import socket
from urllib.parse import urlencode

import httpx
import pytest

from supportbot.core.models import Conversation, Feedback, Message, TrainingJob
from tests.fake_slack import BOT_USER_ID, TEAM_ID, sign
from tests.slack_world import ADMIN, SECRET, wait_until


def test_an_oversized_body_is_refused_before_it_is_read(bot):
    """Audit: 100 MB unsigned bodies were read whole before the signature was checked."""
    # A 100 MB body announced: answered at once, from the headers, with the body never sent.
    host, port = bot.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        headers = {"Content-Type": "application/json", "Content-Length": str(100 * 1024 * 1024)}
        headers |= sign(SECRET, b"")
        request = "POST /slack/events HTTP/1.1\r\nHost: bot\r\n"
        request += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        conn.sendall(request.encode())
        assert conn.recv(4096).split(b"\r\n", 1)[0] == b"HTTP/1.1 413 Request Entity Too Large"

    sent = {"bytes": 0}

    def chunks():  # 5 MB with no Content-Length: the server stops reading after 1 MiB
        for _ in range(80):
            sent["bytes"] += 65536
            yield b" " * 65536

    try:
        streamed = bot.http.post(
            f"{bot.url}/slack/events",
            content=chunks(),
            headers={"Content-Type": "application/json", **sign(SECRET, b"")},
        )
        assert streamed.status_code == 413
    except httpx.TransportError:
        pass  # the server answered 413 and closed while the client was still sending
    with bot.sessions() as s:
        assert s.query(Message).count() == 0


@pytest.mark.parametrize("stamp", [b"abc", b"", b"1e9", b"-5", "²³".encode("latin-1")])
def test_a_malformed_timestamp_is_401_without_a_traceback(bot, stamp, caplog):
    body = bot.envelope({"type": "app_mention", "user": "U1", "text": "hi", "ts": "1.1", "channel": "C1"})
    caplog.set_level(logging.ERROR)
    response = bot.http.post(
        f"{bot.url}/slack/events",
        content=body,
        headers=[(b"Content-Type", b"application/json"), (b"X-Slack-Request-Timestamp", stamp), (b"X-Slack-Signature", b"v0=00")],
    )  # fmt: skip
    assert response.status_code == 401
    assert not [r for r in caplog.records if r.exc_info]


MALFORMED = [
    (b"{not json", "application/json"),
    (b"[1, 2]", "application/json"),
    (json.dumps({"type": "event_callback", "team_id": TEAM_ID}).encode(), "application/json"),
    (json.dumps({"type": "event_callback", "event": "mention"}).encode(), "application/json"),
    (json.dumps({"type": 5}).encode(), "application/json"),
    (b"\xff\xfe\x00", "application/json"),
    (b"payload=%7Bnot", "application/x-www-form-urlencoded"),
    (b"payload=%5B1%5D", "application/x-www-form-urlencoded"),
    (b"payload=" + json.dumps({"type": "block_actions", "actions": "x"}).encode(), "application/x-www-form-urlencoded"),
    (b"command=%2Fsupportbot&text=status", "application/x-www-form-urlencoded"),
    (b"payload=\xff", "application/x-www-form-urlencoded"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
def test_signed_malformed_bodies_get_4xx_never_5xx(bot, body, content_type, caplog):
    caplog.set_level(logging.ERROR)
    response = bot.post(body, content_type=content_type)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize(
    "marker",
    [{"bot_profile": {"id": "B0OTHER", "name": "another bot"}}, {"app_id": "A0OTHER"}, {"user": BOT_USER_ID}],
)
def test_posts_of_bots_and_apps_are_not_answered(bot, marker):
    """Audit: events carrying only bot_profile or app_id were answered (two bots in a loop)."""
    ts = bot.next_ts()
    event = {"type": "message", "channel_type": "im", "user": "U0OTHERAPP", "text": "Hello! How can I help?"}
    event |= {"ts": ts, "channel": "D0LOOP", "event_ts": ts} | marker
    assert bot.post(bot.envelope(event)).status_code == 200
    bot.wait_idle()
    assert bot.fake.posted() == []
    with bot.sessions() as s:
        assert s.query(Message).count() == 0


@pytest.mark.parametrize(
    "field", [("channel", "C" + "X" * 9999), ("user", "U" + "1" * 9999), ("ts", "1" * 5000 + ".1"), ("channel", "c0lower")]
)  # fmt: skip
def test_malformed_ids_are_not_stored(bot, field):
    """Audit: a 10,000-character channel id was stored."""
    ts = bot.next_ts()
    event = {"type": "app_mention", "user": "U0CUSTOMER", "text": f"<@{BOT_USER_ID}> hi", "ts": ts}
    event |= {"channel": "C0GENERAL", "event_ts": ts}
    event[field[0]] = field[1]
    assert bot.post(bot.envelope(event)).status_code == 200
    bot.wait_idle()
    with bot.sessions() as s:
        assert s.query(Message).count() == 0 and s.query(Conversation).count() == 0


def _click(bot, action_id: str, *, value: str, channel: str, message_ts: str, user: str = "U0CUSTOMER"):
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "api_app_id": "A0SUPPORT",
        "token": "legacy-token",
        "trigger_id": "1.2.3",
        "channel": {"id": channel},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "message": {"ts": message_ts, "text": "answer", "blocks": []},
        "actions": [{"action_id": action_id, "block_id": "reply_actions", "value": value, "type": "button"}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return bot.post(body, content_type="application/x-www-form-urlencoded")


def ignored_clicks(caplog) -> list[str]:
    """The clicks the button listeners turned away (each logs one warning)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "supportbot.bot.listeners.actions" and "ignored" in r.getMessage()
    ]


def test_a_button_only_acts_on_the_reply_it_belongs_to(bot, caplog):
    """Audit: a signed payload could rate another conversation's reply or escalate it."""
    caplog.set_level(logging.WARNING, logger="supportbot.bot.listeners.actions")
    mine, _ = bot.mention("How do I reset my password?", channel="C0MINE")
    theirs, _ = bot.mention("Where is my parcel?", channel="C0THEIRS")
    my_reply = bot.wait_reply("C0MINE", mine["ts"])
    their_reply = bot.wait_reply("C0THEIRS", theirs["ts"])
    # Clicked on my message, but naming their reply: nothing happens to theirs.
    for action in ("feedback_down", "handover"):
        response = _click(
            bot, action, value=str(their_reply.id), channel="C0MINE", message_ts=my_reply.slack_ts
        )
        assert response.status_code == 200
    for bad in ("abc", "-1", str(2**70)):
        assert (
            _click(bot, "feedback_up", value=bad, channel="C0MINE", message_ts=my_reply.slack_ts).status_code
            == 200
        )
    # Clicks run after their ack: each of these five has been turned away once it says so.
    assert wait_until(lambda: len(ignored_clicks(caplog)) == 5, timeout=10), ignored_clicks(caplog)
    with bot.sessions() as s:
        assert s.query(Feedback).count() == 0
        assert s.get(Conversation, their_reply.conversation_id).status.value != "escalated"
    # The same click on the message that carries the reply does count.
    _click(
        bot, "feedback_down", value=str(their_reply.id), channel="C0THEIRS", message_ts=their_reply.slack_ts
    )
    assert bot.fake.wait_for(lambda: len(bot.fake.calls_to("chat.update")) >= 1, timeout=10)  # the click's
    with bot.sessions() as s:
        assert [(f.message_id, f.rating) for f in s.query(Feedback)] == [(their_reply.id, -1)]


def test_a_replayed_retrain_command_queues_one_job(bot):
    """Audit: every replay of `/supportbot retrain` queued another job."""
    first = bot.command("retrain", user=ADMIN).text
    assert re.search(r"Queued retraining job \d+", first)
    for _ in range(3):
        assert "already queued" in bot.command("retrain", user=ADMIN).text
    with bot.sessions() as s:
        assert s.query(TrainingJob).count() == 1


def test_health_is_not_200_without_a_ticket_index(bot_factory, sample_world, tmp_path):
    """Audit: with the FAISS file missing, every question was handed over while /health said 200."""
    from supportbot.bot.runtime import load_retriever

    broken = tmp_path / "broken-index"
    broken.mkdir()
    for f in (sample_world / "index").iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    manifest = json.loads((broken / "manifest.json").read_text())
    (broken / manifest["faiss_file"]).write_bytes(b"not a faiss index")  # corrupt
    bot = bot_factory()
    settings = bot.settings.model_copy(update={"home": tmp_path / "home"})
    retriever, problem = load_retriever(settings, bot.sessions)  # no index under this home at all
    assert retriever is None and "no ticket index" in problem

    from supportbot.bot.runtime import health_check
    from supportbot.usecases.answer import Responder

    responder = Responder(
        settings=settings, sessions=bot.sessions, retriever=None, model=None, index_problem=problem
    )
    ok, report = health_check(responder).run()
    assert not ok and report["index"].startswith("not loaded") and report["database"] == "ok"
    assert bot.health().status_code == 200  # the bot with its index is healthy

    from supportbot.retrieval.search import Retriever

    with pytest.raises(Exception, match="unreadable"):
        Retriever.from_index(broken, sessions=bot.sessions, embedder=bot.responder.retriever.embedder)
