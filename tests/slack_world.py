"""The Slack bot over real HTTP: signed Events API requests in, a local fake Slack Web API out.

Everything here is real except Slack itself: the Bolt app behind uvicorn, our model server with a
tiny trained model, the FAISS index of the sample tickets, and the database.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack, running_fake_slack, sign

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
SECRET = "test-signing-secret-0123456789"
ADMIN = "UADMIN01"
SUPPORT_GROUP = "S0SUPPORT"


@pytest.fixture(scope="session")
def embedder():
    from supportbot.retrieval.embedder import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def sample_world(tmp_path_factory, embedder) -> Path:
    """A SQLite database holding the sample tickets and their FAISS index, built once."""
    from supportbot.core.db import make_engine, session_factory, upgrade
    from supportbot.retrieval.importer import import_tickets
    from supportbot.retrieval.index_builder import build_index

    folder = tmp_path_factory.mktemp("bot-world")
    engine = make_engine(f"sqlite:///{folder / 'template.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    report = import_tickets(sessions, SAMPLE / "tickets.jsonl")
    assert report.failed == 0
    build_index(sessions=sessions, folder=folder / "index", embedder=embedder, kind_setting="flat")
    engine.dispose()
    return folder


@pytest.fixture(scope="session")
def model_server(tiny_base) -> Iterator[Any]:
    from supportbot.serving.embedded import EmbeddedServer

    with EmbeddedServer(tiny_base, device="cpu") as server:
        yield server


def wait_until(predicate: Callable[[], Any], timeout: float = 30.0, *, every: float = 0.02) -> bool:
    """Whether ``predicate()`` came true within ``timeout`` seconds (checked every ``every``)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


@dataclass
class Bot:
    """One running bot replica, and ways to talk to it the way Slack does."""

    url: str
    fake: FakeSlack
    sessions: Any
    settings: Any
    responder: Any
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))
    server: Any = None
    engine: Any = None
    _seq: int = 0
    _stopped: bool = False

    def stop(self) -> None:
        """Stop this replica as a crash or a deploy would: its spool stays on disk."""
        if self._stopped:
            return
        self._stopped = True
        self.server.stop()
        self.server.inbox.stop()
        self.server.inbox.spool.close()
        self.http.close()
        self.engine.dispose()

    def health(self) -> httpx.Response:
        return self.http.get(f"{self.url}/health")

    def next_ts(self) -> str:
        self._seq += 1
        return f"{1_800_000_000 + self._seq}.{uuid.uuid4().int % 1_000_000:06d}"

    def post(
        self,
        body: bytes,
        *,
        content_type: str = "application/json",
        retry: int | None = None,
        timestamp: int | None = None,
        secret: str = SECRET,
        url: str | None = None,
    ) -> httpx.Response:
        headers = {"Content-Type": content_type, **sign(secret, body, timestamp)}
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.http.post(url or f"{self.url}/slack/events", content=body, headers=headers)

    @staticmethod
    def envelope(event: dict[str, Any], event_id: str | None = None) -> bytes:
        return json.dumps(
            {
                "token": "legacy-token",
                "team_id": TEAM_ID,
                "api_app_id": "A0SUPPORT",
                "type": "event_callback",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
                "event_time": int(time.time()),
                "event": event,
                "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
            }
        ).encode()

    def mention(self, text: str, *, channel: str = "C0GENERAL", user: str = "UCUSTOMER", **kw: Any):
        ts = self.next_ts()
        event = {
            "type": "app_mention",
            "user": user,
            "text": f"<@{BOT_USER_ID}> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
        }
        return event, self.post(self.envelope(event), **kw)

    def dm(self, text: str, *, channel: str = "D0CUSTOMER", user: str = "UCUSTOMER"):
        ts = self.next_ts()
        event = {
            "type": "message",
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
        }
        return event, self.post(self.envelope(event))

    def in_thread(self, text: str, *, channel: str, thread_ts: str, user: str = "UCUSTOMER"):
        ts = self.next_ts()
        event = {
            "type": "message",
            "channel_type": "channel",
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
            "channel": channel,
            "event_ts": ts,
        }
        return event, self.post(self.envelope(event))

    def command(self, text: str, *, user: str, channel: str = "C0GENERAL") -> httpx.Response:
        form = {
            "token": "legacy-token",
            "team_id": TEAM_ID,
            "channel_id": channel,
            "user_id": user,
            "command": "/supportbot",
            "text": text,
            "response_url": "https://hooks.invalid/commands/1",
            "trigger_id": "1.2.3",
        }
        return self.post(urlencode(form).encode(), content_type="application/x-www-form-urlencoded")

    def click(self, action_id: str, *, reply_ts: str, channel: str, user: str = "UCUSTOMER"):
        message = self.fake.messages[(channel, reply_ts)]
        value = next(
            e["value"]
            for b in message["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == action_id
        )
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": user},
            "api_app_id": "A0SUPPORT",
            "token": "legacy-token",
            "trigger_id": "1.2.3",
            "channel": {"id": channel},
            "container": {"type": "message", "message_ts": reply_ts, "channel_id": channel},
            "response_url": "https://hooks.invalid/actions/1",
            "actions": [
                {"action_id": action_id, "block_id": "reply_actions", "value": value, "type": "button"}
            ],
        }
        if message.get("ephemeral_to"):  # Slack sends no message, only where it was shown
            payload["container"] |= {"is_ephemeral": True, "thread_ts": message.get("thread_ts")}
        else:
            payload["message"] = {"ts": reply_ts, **message}
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, content_type="application/x-www-form-urlencoded")

    # --- what happened -------------------------------------------------------------------------

    def question(self, channel: str, ts: str):
        from supportbot.core import store

        with self.sessions() as s:
            return store.message_by_slack_ts(s, channel=channel, ts=ts)

    def wait_reply(self, channel: str, ts: str, timeout: float = 60.0):
        """The stored reply to the question (channel, ts), once Slack shows it."""
        from supportbot.core import store

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.sessions() as s:
                question = store.message_by_slack_ts(s, channel=channel, ts=ts)
                reply = store.reply_to(s, message_id=question.id) if question else None
                shown = self.fake.messages.get((channel, reply.slack_ts)) if reply is not None else None
                if shown is not None and shown["text"] == reply.text:  # answered in Slack too
                    _ = [(h.ticket_external_id, h.score) for h in reply.hits]
                    s.expunge_all()
                    return reply
            time.sleep(0.05)
        raise AssertionError(f"no reply to {channel}/{ts} within {timeout}s")

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Until every delivery this replica has accepted is done. A delivery is accepted (or
        refused) before its HTTP response, so afterwards whatever the requests sent so far were
        going to post to Slack or store has been posted and stored: what has not, never will be."""
        inbox = self.server.inbox
        assert wait_until(lambda: inbox.status()["pending"] == 0, timeout), inbox.status()

    def slack_message(self, channel: str, ts: str) -> dict[str, Any]:
        return self.fake.messages[(channel, ts)]


def make_settings(tmp_path: Path, db_url: str, fake_url: str, model_url: str, **overrides: Any):
    from supportbot.core.settings import load_settings

    values = dict(
        home=tmp_path / "home",
        database_url=db_url,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        slack_api_url=fake_url,
        model_base_url=model_url,
        model_timeout_s=20,
        model_retries=0,
        max_answer_tokens=40,
        admin_user_ids=[ADMIN],
        support_group_id=SUPPORT_GROUP,
        escalate_below_logprob=-50.0,  # the tiny test model is never confident
        disagree_below=0.0,  # nor are its drafts about any request in particular
        same_request_below=0.0,  # nor about its first source's
        loop_times=0,  # and it repeats itself: tests of the loop check turn it on
    )
    return load_settings(**(values | overrides))


def start_bot(settings: Any, *, index_dir: Path, fake: FakeSlack, embedder: Any, mood: Any = None):
    """A bot replica over its own database connection pool: (Bot, server)."""
    from supportbot.bot.runtime import health_check
    from supportbot.bot.slack_app import create_app, http_app
    from supportbot.core.db import make_engine, session_factory
    from supportbot.core.webserver import BackgroundServer
    from supportbot.retrieval.search import Retriever
    from supportbot.usecases.answer import Responder
    from supportbot.usecases.model_client import ModelClient

    engine = make_engine(settings.db_url)
    sessions = session_factory(engine)
    retriever = Retriever.from_index(index_dir, sessions=sessions, embedder=embedder, k=3)
    responder = Responder(
        settings=settings,
        sessions=sessions,
        retriever=retriever,
        model=ModelClient.from_settings(settings),
        mood=mood,
    )
    slack_bot = create_app(settings=settings, responder=responder)
    server = BackgroundServer(
        http_app(
            slack_bot,
            health=health_check(responder, slack_bot.inbox),
            signing_secret=settings.secret("slack_signing_secret"),
        ),
        name="bot",
    )
    server.start()
    server.inbox = slack_bot.inbox
    bot = Bot(
        url=server.url,
        fake=fake,
        sessions=sessions,
        settings=settings,
        responder=responder,
        server=server,
        engine=engine,
    )
    return bot, server, engine


@pytest.fixture
def fake_slack() -> Iterator[tuple[FakeSlack, str]]:
    with running_fake_slack() as pair:
        yield pair


@pytest.fixture
def bot_factory(tmp_path, sample_world, model_server, fake_slack, embedder):
    """Start bot replicas on a copy of the sample world (SQLite) or a given database URL."""
    fake, fake_url = fake_slack
    started: list[tuple[Any, Any, Any]] = []

    def factory(db_url: str | None = None, *, mood: Any = None, **overrides: Any) -> Bot:
        from supportbot.core.db import make_engine, session_factory, upgrade

        if db_url is None:
            db_path = tmp_path / "bot.db"
            if not db_path.exists():
                shutil.copy(sample_world / "template.db", db_path)
            db_url = f"sqlite:///{db_path}"
        else:  # a fresh database: the same tickets, imported in the same order (same ids)
            engine = make_engine(db_url)
            upgrade(engine)
            from supportbot.core import store

            with session_factory(engine)() as s:
                have = store.count_tickets(s)
            if not have:
                from supportbot.retrieval.importer import import_tickets

                import_tickets(session_factory(engine), SAMPLE / "tickets.jsonl")
            engine.dispose()
        settings = make_settings(tmp_path, db_url, fake_url, model_server.base_url, **overrides)
        bot, server, engine = start_bot(
            settings, index_dir=sample_world / "index", fake=fake, embedder=embedder, mood=mood
        )
        started.append((bot, server, engine))
        return bot

    yield factory
    for bot, _server, _engine in started:
        bot.stop()


@pytest.fixture
def bot(bot_factory) -> Bot:
    return bot_factory()
