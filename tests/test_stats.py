"""`supportbot stats` against a real database (SQLite and PostgreSQL): the hand-counted figures
of tests/analytics_data.py, as JSON and as text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from supportbot.cli import cli
from tests.analytics_data import CRYPTO, build_analytics, build_gaps


@pytest.fixture
def run(db_url, tmp_path, migrated_engine):
    env = {"SUPPORTBOT_DATABASE_URL": db_url, "SUPPORTBOT_HOME": str(tmp_path / "home")}

    def invoke(*args: str):
        return CliRunner(env=env).invoke(cli, list(args))

    return invoke


def test_stats_json(run, sessions):
    build_analytics(sessions, datetime.now(UTC))
    result = run("stats", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    total = data["total"]
    assert data["period"]["days"] == 30 and len(data["by_day"]) == 30
    assert total["conversations"] == 11
    assert total["automated_resolution"] == {"rate": 0.3333, "resolved": 3, "settled": 9, "pending": 2}
    assert total["deflection"] == {"rate": 0.5455, "deflected": 6}
    assert total["handover"]["rate"] == 0.3636
    assert {r: n for r, n in total["handover"]["reasons"].items() if n} == {
        "asked": 1,
        "gate": 1,
        "frustration": 1,
        "unrecorded": 1,
    }
    assert total["csat"] == {"mean": 3.5, "good_share": 0.5, "count": 2}
    assert total["sentiment"]["counts"] == {"negative": 5, "neutral": 5, "positive": 3}
    assert total["feedback"]["up_rate"] == 0.6667
    by_version = {v["model_version"]: v for v in data["by_version"]}
    assert by_version["v1"]["automated_resolution"]["rate"] == 0.4  # A, B of A, B, F, G, L
    assert by_version["v2"]["automated_resolution"]["rate"] == 0.25  # H of C, D, E, H
    # One day is today (UTC) only: of the eleven, only I and J (3 h and 2 h old) can be in it.
    today = json.loads(run("stats", "--json", "--days", "1").output)
    assert len(today["by_day"]) == 1 and today["total"]["conversations"] <= 2


def test_stats_text(run, sessions):
    build_analytics(sessions, datetime.now(UTC))
    result = run("stats")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "automated resolution   33.3%  (3 of 9 settled; 2 pending)" in out
    assert "deflection             54.5%  (6 never reached a human)" in out
    assert "CSAT                   3.5  (50.0% rated 4-5, of 2)" in out
    assert "v1" in out and "v2" in out
    assert run("stats", "--days", "0").exit_code == 2


def test_stats_with_gaps(run, sessions):
    build_gaps(sessions, datetime.now(UTC))
    data = json.loads(run("stats", "--json", "--gaps").output)
    assert sorted(g["size"] for g in data["content_gaps"]["gaps"]) == [3, 3]
    text = run("stats", "--gaps").output
    assert f"3x  {CRYPTO[0]}" in text
