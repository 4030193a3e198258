"""`supportbot history list|show|export` and `supportbot review`, against a real database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from supportbot.cli import cli
from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.errors import ConfigError, InvalidInput, NotFound
from supportbot.core.models import AuditEntry
from supportbot.review.passwords import verify_password
from tests.review.conftest import PASSWORD, admin_entries


@pytest.fixture
def run(db_url, tmp_path, migrated_engine):
    """Invoke the CLI in-process with the test database in its environment."""
    env = {"SUPPORTBOT_DATABASE_URL": db_url, "SUPPORTBOT_HOME": str(tmp_path / "home")}

    def invoke(*args: str, input: str | None = None):
        return CliRunner(env=env).invoke(cli, list(args), input=input)

    return invoke


def iso(moment) -> str:
    return moment.isoformat()


def list_row(s, cid, *, channel, user, status, rating, messages, question, version) -> dict:
    created, updated = s.times[cid]
    return {
        "id": cid,
        "channel": channel,
        "user": user,
        "status": status,
        "rating": rating,
        "approved": False,
        "created_at": iso(created),
        "updated_at": iso(updated),
        "messages": messages,
        "first_question": question,
        "model_version": version,
    }


def test_history_list_json_is_exact(run, seeded):
    s = seeded
    result = run("history", "list", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        list_row(s, s.order, channel="C1", user="U1", status="answered", rating="down", messages=2,
                 question="My order 1234 has not arrived", version="v1"),
        list_row(s, s.password, channel="C2", user="U2", status="answered", rating="up", messages=2,
                 question="How do I reset my password?", version="v2"),
        list_row(s, s.charged, channel="C1", user="U3", status="escalated", rating=None, messages=2,
                 question="I was charged twice", version="v2"),
        list_row(s, s.email, channel="C2", user="U1", status="resolved", rating=None, messages=4,
                 question="Can I change my email?", version="v1"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--rating", "down"], ["order"]),
        (["--rating", "none"], ["charged", "email"]),
        (["--status", "escalated"], ["charged"]),
        (["--channel", "C2"], ["password", "email"]),
        (["--since", "7d"], ["order", "password", "charged"]),
        (["--since", "7d", "--rating", "down", "--channel", "C1"], ["order"]),
        (["--until", "2000-01-01"], []),
        (["--model-version", "v1"], ["order", "email"]),
        (["-q", "charged"], ["charged"]),
        (["--limit", "2", "--offset", "1"], ["password", "charged"]),
    ],
)
def test_history_list_filters(run, seeded, args, expected):
    result = run("history", "list", *args, "--json")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.stdout)] == [getattr(seeded, name) for name in expected]


def test_history_list_text(run, seeded):
    lines = run("history", "list", "--status", "escalated").stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "UPDATED", "(UTC)"]
    assert len(lines) == 2 and lines[1].split()[0] == str(seeded.charged)
    assert "escalated" in lines[1] and "I was charged twice" in lines[1]
    assert run("history", "list", "--rating", "up", "--channel", "C1").stdout == "no conversations match\n"


def test_history_list_refuses_a_bad_duration(run, seeded):
    result = run("history", "list", "--since", "lately")
    assert isinstance(result.exception, InvalidInput)
    assert "'lately' is not a duration" in str(result.exception)


def test_history_show_json_is_exact(run, seeded, sessions):
    s = seeded
    reply = s.replies[s.order][0]
    with transaction(sessions) as session:
        entry = store.audit(session, actor="alice", action="review.comment", conversation_id=s.order,
                            message_id=reply, detail={"comment": "wrong date"})  # fmt: skip
        session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(created_at=s.now))
        entry_id = entry.id
    created, updated = s.times[s.order]
    result = run("history", "show", str(s.order), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    feedback_id = data["messages"][1]["feedback"][0]["id"]
    assert data == {
        "id": s.order,
        "source": "slack",
        "channel": "C1",
        "thread": "100.1",
        "user": "U1",
        "status": "answered",
        "rating": "down",
        "approved": False,
        "created_at": iso(created),
        "updated_at": iso(updated),
        "messages": [
            {
                "id": reply - 1, "role": "user", "text": "My order 1234 has not arrived",
                "created_at": iso(created), "user": "U1", "reply_to": None, "model": None,
                "model_version": None, "prompt_mode": None, "latency_ms": None, "prompt_tokens": None,
                "completion_tokens": None, "confidence": None, "outcome": None, "details": None,
                "hits": [], "feedback": [],
            },
            {
                "id": reply, "role": "assistant", "text": "It ships tomorrow.",
                "created_at": iso(created + timedelta(minutes=1)), "user": None, "reply_to": reply - 1,
                "model": "supportbot", "model_version": "v1", "prompt_mode": "chat", "latency_ms": 840,
                "prompt_tokens": 120, "completion_tokens": 45, "confidence": -0.42, "outcome": "model",
                "details": None,
                "hits": [
                    {"rank": 1, "ticket": "T-17", "ticket_id": None, "score": 0.8125},
                    {"rank": 2, "ticket": "T-3", "ticket_id": None, "score": 0.625},
                ],
                "feedback": [
                    {"id": feedback_id, "user": "U1", "rating": "down", "comment": None,
                     "corrected_answer": None, "created_at": iso(updated)},
                ],
            },
        ],
        "audit": [
            {"id": entry_id, "actor": "alice", "action": "review.comment", "message_id": reply,
             "detail": {"comment": "wrong date"}, "created_at": iso(s.now)},
        ],
    }  # fmt: skip


def test_history_show_text(run, seeded):
    out = run("history", "show", str(seeded.order)).stdout
    assert out.startswith(f"conversation {seeded.order} · channel C1 · user U1 · answered · rated down\n")
    assert "bot (v1, chat, 840 ms, 120+45 tokens, confidence -0.42)" in out
    assert "  sources: T-17 (0.81), T-3 (0.62)\n" in out
    assert "  feedback: U1 👎\n" in out
    missing = run("history", "show", "999")
    assert (
        isinstance(missing.exception, NotFound)
        and str(missing.exception) == "conversation 999 does not exist"
    )


def test_history_export_approved(run, seeded, sessions, tmp_path):
    corrected = "Sorry: order <ORDER_ID> leaves the warehouse today."
    with transaction(sessions) as s:
        store.record_feedback(s, message_id=seeded.replies[seeded.order][0], user="admin:alice",
                              corrected_answer=corrected)  # fmt: skip
        store.set_approved(s, conversation_id=seeded.order)
    out = tmp_path / "sub" / "train.jsonl"
    result = run("history", "export", "--approved", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 1 conversation to {out}\n"
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == [
        {
            "id": f"conv-{seeded.order}",
            "messages": [
                {"role": "user", "content": "My order 1234 has not arrived"},
                {"role": "assistant", "content": corrected},
            ],
        }
    ]
    # Without --approved: also what was rated 👍, as training reads it; '-' writes to stdout.
    everything = run("history", "export", "-o", "-")
    assert [json.loads(line)["id"] for line in everything.stdout.splitlines()] == [
        f"conv-{seeded.order}",
        f"conv-{seeded.password}",
    ]
    with sessions() as s:
        exports = [e for e in store.audit_entries(s) if e.action == "review.export"]
        assert [e.detail["approved_only"] for e in exports] == [False, True]
        assert all(e.actor.startswith("cli") for e in exports)


def bare_run(*args: str, input: str | None = None):
    """No database needed (the command does not open one)."""
    return CliRunner(env={"SUPPORTBOT_REVIEW_ADMINS": None}).invoke(cli, list(args), input=input)


def test_hash_password_prints_a_hash_that_verifies():
    run = bare_run
    result = run("review", "hash-password", "--name", "carol", input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    entry = result.stdout.strip().splitlines()[-1]
    name, _, encoded = entry.partition(":")
    assert name == "carol" and encoded.startswith("pbkdf2_sha256$600000$")
    assert verify_password("a long password", encoded) and not verify_password("a long passwort", encoded)
    assert "SUPPORTBOT_REVIEW_ADMINS" in result.stderr
    short = run("review", "hash-password", input="short\nshort\n")
    assert short.exit_code != 0 and "at least 8 characters" in short.output
    mismatch = run("review", "hash-password", input="a long password\nanother one here\n")
    assert mismatch.exit_code != 0


def test_review_without_admins_refuses_to_start(sqlite_url, tmp_path):
    from supportbot.core.db import make_engine, upgrade

    upgrade(make_engine(sqlite_url))
    env = {
        "SUPPORTBOT_DATABASE_URL": sqlite_url,
        "SUPPORTBOT_HOME": str(tmp_path),
        "SUPPORTBOT_REVIEW_ADMINS": None,
    }
    result = CliRunner(env=env).invoke(cli, ["review", "--port", "1"])
    assert isinstance(result.exception, ConfigError)
    assert "SUPPORTBOT_REVIEW_ADMINS" in str(result.exception)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_supportbot_review_serves_the_app(sqlite_url, tmp_path):
    from supportbot.core.db import make_engine, upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env.update(
        SUPPORTBOT_DATABASE_URL=sqlite_url,
        SUPPORTBOT_HOME=str(tmp_path / "home"),
        SUPPORTBOT_REVIEW_ADMINS=",".join(admin_entries()),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "supportbot", "review", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The server's log, read on a thread: "Uvicorn running on" says it listens (no polling).
    log: list[str] = []
    listening = threading.Event()

    def read_log() -> None:
        for line in proc.stderr:
            log.append(line)
            if "Uvicorn running on" in line:
                listening.set()
        listening.set()  # the process ended: nothing more will come

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    try:
        url = f"http://127.0.0.1:{port}"
        assert listening.wait(timeout=60) and proc.poll() is None, "".join(log)
        response = httpx.get(url + "/", follow_redirects=False, timeout=10)
        assert response.status_code == 303 and response.headers["location"] == "/login?next=%2F"
        with httpx.Client(base_url=url, timeout=10) as client:
            form = client.get("/login").text
            token = form.split('name="csrf_token" value="')[1].split('"')[0]
            logged_in = client.post(
                "/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token}
            )
            assert logged_in.status_code == 303
            assert client.get("/api/conversations").json()["total"] == 0
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        reader.join(timeout=20)
    assert "SUPPORTBOT_SESSION_SECRET is not set" in "".join(log)
