"""`supportbot ask`: the whole pipeline without a terminal, one new conversation per question."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path, sample_world) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(sample_world / "template.db", home / "supportbot.db")
    shutil.copytree(sample_world / "index", home / "index")
    return home


def ask(home: Path, model_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env |= {
        "SUPPORTBOT_HOME": str(home),
        "SUPPORTBOT_MODEL_BASE_URL": model_url,
        "SUPPORTBOT_MAX_ANSWER_TOKENS": "40",
        "SUPPORTBOT_ESCALATE_BELOW_LOGPROB": "-50",
    }
    return subprocess.run(
        [sys.executable, "-m", "supportbot", "ask", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_file_of_questions_gets_one_json_line_each_in_order(home, model_server):
    questions = [
        {"id": "q1", "question": "How do I reset my password?"},
        {"id": 7, "query": "Where is my parcel? Order 4821937 has not arrived."},
        {"id": "q3", "question": "Can I return a jacket I bought three weeks ago?"},
    ]
    path = home / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in questions) + "\n")
    result = ask(home, model_server.base_url, "--file", str(path), "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["q1", "7", "q3"]
    for row in rows:
        assert set(row) - {"unsent_draft", "reason"} == {"id", "answer", "outcome", "sources", "latency_ms"}
        # A draft the checks did not send comes with the reason; a sent answer has none.
        if "unsent_draft" in row:
            assert row["outcome"] != "model" and row["reason"] and row["unsent_draft"] != row["answer"]
        else:
            assert "reason" not in row
        assert row["outcome"] in ("model", "fallback", "handover") and row["answer"]
        assert row["sources"] and all(set(s) == {"id", "score"} for s in row["sources"])
        assert isinstance(row["latency_ms"], int)
    # Each question was a conversation of its own, stored like any other.
    import sqlite3

    with sqlite3.connect(home / "supportbot.db") as db:
        assert db.execute("SELECT count(*) FROM conversations WHERE source = 'ask'").fetchone() == (3,)
        assert db.execute("SELECT count(*) FROM messages").fetchone() == (6,)


def test_one_question_from_the_command_line_and_clean_errors(home, model_server):
    one = ask(home, model_server.base_url, "How do I reset my password?")
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith("you> How do I reset my password?\nbot> ")
    bad = home / "bad.jsonl"
    bad.write_text('{"id": 1, "question": "ok"}\n{"id": 2}\n')
    refused = ask(home, model_server.base_url, "--file", str(bad))
    assert refused.returncode == 1 and "bad.jsonl:2" in refused.stderr and "Traceback" not in refused.stderr
    assert ask(home, model_server.base_url).returncode == 1  # neither a question nor a file
