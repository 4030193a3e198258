"""`supportbot tickets ...` and `supportbot index ...` end to end, on a real home folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from supportbot.cli import cli
from supportbot.core.errors import IndexMismatch
from tests.retrieval.conftest import QUERIES, TICKETS

RELEVANT = {
    json.loads(line)["query"]: set(json.loads(line)["relevant_ticket_ids"]) for line in QUERIES.open()
}


@pytest.fixture
def home(tmp_path):
    env = {"SUPPORTBOT_HOME": str(tmp_path / "home"), "SUPPORTBOT_DATABASE_URL": ""}
    runner = CliRunner()

    def run(*args: str, code: int = 0, **extra: str):
        result = runner.invoke(cli, list(args), env={**env, **extra}, catch_exceptions=True)
        if result.exit_code != code:
            raise AssertionError(f"exit {result.exit_code}: {result.output}") from result.exception
        return result

    run("db", "upgrade")
    return run


def test_import_build_search_eval_update_remove(home, tmp_path):
    imported = json.loads(home("tickets", "import", str(TICKETS), "--json").stdout)
    assert (imported["created"], imported["failed"]) == (48, 0)
    assert imported["redacted"] == {"card": 1, "email": 1, "iban": 1, "phone": 2}
    assert imported["index"]["skipped"].endswith("run `supportbot index build`")

    built = json.loads(home("index", "build", "--json").stdout)
    assert (built["count"], built["index_type"], built["dim"]) == (48, "flat", 384)

    query = "my package is overdue, what is going on"
    found = json.loads(home("index", "search", query, "-k", "3", "--json").stdout)
    assert found["query"] == query and len(found["hits"]) == 3
    assert set(found["hits"][0]) == {
        "ticket_id",
        "external_id",
        "score",
        "question",
        "resolution",
        "category",
    }
    assert found["hits"][0]["external_id"] in RELEVANT[query]
    text = home("index", "search", query, "-k", "2").stdout
    assert text.startswith("1. ") and found["hits"][0]["external_id"] in text

    scores = json.loads(home("index", "eval", str(QUERIES), "-k", "5", "--json").stdout)
    keys = {"hit_at_1", "hit_at_k", "precision_at_k", "recall_at_k", "mrr"}
    assert keys <= set(scores) and keys <= set(scores["baseline"])
    assert scores["queries"] == 24 and scores["hit_at_1"] >= 0.9
    assert scores["precision_at_k"] > scores["baseline"]["precision_at_k"]  # paraphrases beat keywords
    table = home("index", "eval", str(QUERIES)).stdout
    assert "precision@5" in table and "BM25" in table

    # re-import with one changed ticket and one new: only those two are embedded
    rows = [json.loads(line) for line in TICKETS.open()]
    rows[5]["resolution"] = "Changed resolution."
    rows.append({"id": "T-9999", "question": "Do you ship to Iceland?", "resolution": "Yes, in 5 days."})
    changed = tmp_path / "changed.jsonl"
    changed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    again = json.loads(home("tickets", "import", str(changed), "--json").stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == (1, 1, 47)
    assert again["index"] == {
        "updated": True,
        "skipped": None,
        "embedded": 2,
        "removed": 0,
        "count": 49,
        "hints": [],
    }
    top = json.loads(home("index", "search", "shipping to Iceland", "-k", "1", "--json").stdout)
    assert top["hits"][0]["external_id"] == "T-9999"

    assert "index updated: 0 embedded, 1 removed, 48 tickets" in home("tickets", "remove", "T-9999").stdout
    status = json.loads(home("index", "status", "--json").stdout)
    assert status["up_to_date"] and status["count"] == 48

    refused = home("index", "search", query, code=1, SUPPORTBOT_EMBEDDER="paraphrase-MiniLM-L3-v2")
    assert isinstance(refused.exception, IndexMismatch)
    assert "run `supportbot index build`" in str(refused.exception)


def test_from_conversations_command(home):
    out = home("tickets", "from-conversations").stdout
    assert "0 resolved conversations" in out and "0 skipped" in out


def test_bad_rows_are_reported_and_the_exit_code_says_so(tmp_path):
    """In a real process: file:line: reason on stderr, the good rows imported, exit status 3."""
    data = tmp_path / "export.csv"
    data.write_text(
        "Ticket ID,Subject,Answer\n"
        "1,Where is my order,On its way\n"
        "2,Missing answer\n"
        "3,,No question\n"
        "4,Refund please,Refunds take 10 days\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env["SUPPORTBOT_HOME"] = str(tmp_path / "home")

    def supportbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "supportbot", *args], capture_output=True, text=True, env=env, timeout=180
        )

    assert supportbot("db", "upgrade").returncode == 0
    result = supportbot(
        "tickets", "import", str(data), "--id-field", "ticket id", "--question-field", "subject",
        "--answer-field", "answer", "--no-index",
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert result.stderr.splitlines() == [
        f"{data}:3: expected 3 fields as in the header, found 2",
        f"{data}:4: ticket 3: no question (field 'subject')",
    ]
    assert "2 created, 0 updated, 0 unchanged, 2 failed" in result.stdout
    missing = supportbot("index", "search", "refund")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"error: no ticket index in {tmp_path / 'home' / 'index'}: run `supportbot index build`"
    ]


def test_import_records_the_source_it_is_given(home, tmp_path):
    import sqlite3

    home("tickets", "import", str(TICKETS), "--source", "zendesk", "--no-index")
    with sqlite3.connect(tmp_path / "home" / "supportbot.db") as db:
        assert db.execute("SELECT DISTINCT source FROM tickets").fetchall() == [("zendesk",)]
    refused = home("tickets", "import", str(TICKETS), "--source", "x" * 40, code=1)
    assert "--source" in str(refused.exception)


def test_import_of_a_helpdesk_export_and_a_help_center(home, tmp_path):
    """The format told from the file, the tool's name as the source, a broken record named by
    file:line with exit status 3, the skipped ones counted; options a format does not use refused."""
    import sqlite3

    from tests.retrieval.test_importers import line_of, write_zendesk, zendesk_tickets
    from tests.retrieval.test_knowledge_import import write_help_center

    export = tmp_path / "zendesk.json"
    text = write_zendesk(export, zendesk_tickets())
    result = home("tickets", "import", str(export), "--no-index", code=3)
    assert result.stderr.splitlines()[0].startswith(f"{export}:{line_of(text, 'Broken one')}: invalid JSON")
    assert "2 created, 0 updated, 0 unchanged, 2 failed, 1 skipped (1 no public reply by an agent)" in (
        result.stdout
    )
    assert "PII redacted: 1 email, 1 phone" in result.stdout

    articles = tmp_path / "help"
    write_help_center(articles)
    (articles / "broken.md").unlink()
    imported = json.loads(home("tickets", "import", str(articles), "--no-index", "--json").stdout)
    assert (imported["failed"], imported["skipped"], imported["skipped_reasons"]) == (
        0,
        1,
        {"an article without text": 1},
    )
    with sqlite3.connect(tmp_path / "home" / "supportbot.db") as db:
        sources = dict(db.execute("SELECT source, COUNT(*) FROM tickets GROUP BY source").fetchall())
    assert sources == {"zendesk": 2, "help-center": imported["created"]}

    refused = home("tickets", "import", str(export), "--base-url", "https://help.example.com", code=1)
    assert "--base-url is for help-center articles" in str(refused.exception)
