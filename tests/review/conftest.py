"""A real database with a few hand-made conversations, the review app over it, and logged-in clients."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import ConversationStatus
from supportbot.core.models import Conversation, Feedback, Message

PASSWORD = "correct horse battery"
OTHER_PASSWORD = "another long secret"
SECRET = "s" * 40
# Cheap hashes keep the tests fast; the iteration count travels inside each hash.
TEST_ITERATIONS = 1_000


class FakeClock:
    """Wall-clock seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Seeded:
    """Ids of the seeded conversations and their bot replies, and the fixed times they carry."""

    now: datetime
    order: int  # 👎, C1, answered, v1: "My order ... has not arrived"
    password: int  # 👍, C2, answered, v2
    charged: int  # escalated (hand-over), C1, v2, no rating
    email: int  # resolved, C2, v1, no rating, two exchanges
    replies: dict[int, list[int]]
    times: dict[int, tuple[datetime, datetime]]


def seed(sessions) -> Seeded:
    """Four conversations made through the store functions, then given fixed times."""
    now = datetime.now(UTC).replace(microsecond=0)
    replies: dict[int, list[int]] = {}

    def exchange(
        *,
        channel,
        user,
        ts,
        question,
        answer,
        version,
        thread=None,
        hits=(),
        outcome="model",
    ):
        with transaction(sessions) as s:
            turn = store.record_user_turn(
                s,
                text=question,
                team="T1",
                channel=channel,
                thread_ts=thread or ts,
                user=user,
                ts=ts,
                event_id=f"Ev{ts}",
            ).message
            reply = store.record_reply(
                s,
                reply_to_id=turn.id,
                text=answer,
                model="supportbot",
                model_version=version,
                prompt_mode="chat",
                latency_ms=840,
                prompt_tokens=120,
                completion_tokens=45,
                confidence=-0.42,
                outcome=outcome,
                hits=[store.Hit(None, ext, score) for ext, score in hits],
            )
            replies.setdefault(turn.conversation_id, []).append(reply.id)
            return turn.conversation_id, reply.id

    order, order_reply = exchange(
        channel="C1",
        user="U1",
        ts="100.1",
        question="My order 1234 has not arrived",
        answer="It ships tomorrow.",
        version="v1",
        hits=[("T-17", 0.8125), ("T-3", 0.625)],
    )
    password, password_reply = exchange(
        channel="C2",
        user="U2",
        ts="200.1",
        question="How do I reset my password?",
        answer="Open Settings, then Security, and click Reset password.",
        version="v2",
        hits=[("T-5", 0.9375)],
    )
    charged, _ = exchange(
        channel="C1",
        user="U3",
        ts="300.1",
        question="I was charged twice",
        answer="Let me get a colleague to look at this.",
        version="v2",
        outcome="handover",
    )
    email, _ = exchange(
        channel="C2",
        user="U1",
        ts="400.1",
        question="Can I change my email?",
        answer="Yes, under Profile.",
        version="v1",
    )
    exchange(
        channel="C2",
        user="U1",
        thread="400.1",
        ts="400.2",
        question="And my phone number?",
        answer="Also under Profile.",
        version="v1",
    )
    with transaction(sessions) as s:
        store.record_feedback(s, message_id=order_reply, user="U1", rating=-1)
        store.record_feedback(s, message_id=password_reply, user="U2", rating=1)
        store.set_status(s, conversation_id=email, status=ConversationStatus.resolved)

    # Fixed times: updated 1, 2, 3 and 10 days ago; messages a minute apart from the start; votes at the update.
    times = {
        order: (now - timedelta(days=1, hours=2), now - timedelta(days=1)),
        password: (now - timedelta(days=2, hours=2), now - timedelta(days=2)),
        charged: (now - timedelta(days=3, hours=2), now - timedelta(days=3)),
        email: (now - timedelta(days=10, hours=2), now - timedelta(days=10)),
    }
    with transaction(sessions) as s:
        for conv_id, (created, updated) in times.items():
            s.execute(
                update(Conversation)
                .where(Conversation.id == conv_id)
                .values(created_at=created, updated_at=updated)
            )
            ids = s.scalars(select(Message.id).where(Message.conversation_id == conv_id).order_by(Message.id))
            for i, mid in enumerate(ids):
                s.execute(
                    update(Message).where(Message.id == mid).values(created_at=created + timedelta(minutes=i))
                )
                s.execute(update(Feedback).where(Feedback.message_id == mid).values(created_at=updated))
    return Seeded(now, order, password, charged, email, replies, times)


def admin_entries() -> list[str]:
    from supportbot.review.passwords import hash_password

    return [
        f"alice:{hash_password(PASSWORD, iterations=TEST_ITERATIONS)}",
        f"bob:{hash_password(OTHER_PASSWORD, iterations=TEST_ITERATIONS)}",
    ]


@pytest.fixture
def settings(tmp_path, db_url):
    from supportbot.core.settings import load_settings

    return load_settings(
        home=tmp_path / "home", database_url=db_url, review_admins=admin_entries(), session_secret=SECRET
    )


@pytest.fixture
def ctx(settings, migrated_engine, sessions):
    from supportbot.core.context import AppContext

    return AppContext(settings=settings, engine=migrated_engine, sessions=sessions)


@pytest.fixture
def seeded(sessions) -> Seeded:
    return seed(sessions)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(ctx, clock):
    from supportbot.review.app import create_app

    return create_app(ctx, clock=clock)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, follow_redirects=False) as c:
        yield c


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, name: str = "alice", password: str = PASSWORD, next_url: str = "/"):
    form = client.get("/login")
    assert form.status_code == 200
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(form.text), "next": next_url},
    )


@pytest.fixture
def admin(client):
    """The client, logged in as alice."""
    response = login(client)
    assert response.status_code == 303, response.text
    return client


def page_csrf(client, path: str = "/") -> str:
    return csrf_of(client.get(path).text)
