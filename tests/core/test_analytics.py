"""The analytics report against conversations whose figures were counted by hand (see the table
in tests/analytics_data.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from supportbot.usecases.analytics import analytics_report, report_json
from tests.analytics_data import NOW, build_analytics


@pytest.fixture
def report(sessions):
    build_analytics(sessions)
    return analytics_report(sessions, days=7, now=NOW)


def test_totals_match_the_hand_count(report):
    t = report.total
    # K started 40 days ago: outside the 7 days. Eleven remain, the bot replied in each.
    assert (t.conversations, t.bot_replied) == (11, 11)
    # I and J started less than 24 h before NOW: pending. The other nine are settled; of those
    # A, B (a follow-up 4 min after the reply is the same exchange) and H (back only after the
    # window) were resolved by the bot. C came back 179 min later, D got a 👎, E, F and L were
    # handed over, an agent joined G.
    assert (t.pending, t.settled, t.resolved) == (2, 9, 3)
    assert t.resolution_rate == pytest.approx(3 / 9)
    # Never reached a human: A, B, C, D, H, I (pending ones count here) - 6 of 11.
    assert t.deflected == 6 and t.deflection_rate == pytest.approx(6 / 11)
    # Handed over: L, E, F, J; G reached a human without a hand-over.
    assert (t.handed_over, t.reached_human) == (4, 5)
    assert t.handover_rate == pytest.approx(4 / 11)
    assert t.reasons == {"unrecorded": 1, "gate": 1, "asked": 1, "frustration": 1}
    # CSAT: E gave 5, F gave 2.
    assert (t.csat_count, t.csat_mean, t.csat_good_share) == (2, 3.5, 0.5)
    # 👍 on A and H, 👎 on D (K's 👎 is older).
    assert (t.up, t.down) == (2, 1)
    # 13 scored customer turns (L's was not scored, K's is older): 5 neutral, 5 negative,
    # 3 positive; frustration 0.1+0.2+0+0.3+0.7+0.6+0.8+0.4+0.5+0+0.1+0+0.9 = 4.6.
    assert t.sentiment == {"neutral": 5, "negative": 5, "positive": 3}
    assert t.mean_frustration == pytest.approx(4.6 / 13)


def test_per_day(report):
    assert [d for d, _ in report.by_day] == [date(2026, 11, 14) + timedelta(days=i) for i in range(7)]
    days = {d.isoformat(): t for d, t in report.by_day}
    assert all(days[f"2026-11-{n}"].conversations == 0 for n in (14, 15, 16, 17))
    d18, d19, d20 = days["2026-11-18"], days["2026-11-19"], days["2026-11-20"]
    # 11-18: A, B, C, D, L. Resolved A and B; L handed over.
    assert (d18.conversations, d18.settled, d18.resolved, d18.deflected, d18.handed_over) == (5, 5, 2, 4, 1)
    # 11-19: E, F, G, H. Resolved H; E and F handed over, G joined by an agent.
    assert (d19.conversations, d19.settled, d19.resolved, d19.deflected, d19.handed_over) == (4, 4, 1, 1, 2)
    assert (d19.reached_human, d19.csat_count, d19.csat_mean) == (3, 2, 3.5)
    # 11-20: I and J, both pending, so no resolution rate yet.
    assert (d20.conversations, d20.pending, d20.settled, d20.resolution_rate) == (2, 2, 0, None)
    assert d20.reasons == {"frustration": 1}
    # Turns count on their own day: C's second turn (14:00) on 11-18, H's second on 11-20.
    assert d18.sentiment == {"neutral": 3, "negative": 2, "positive": 1}
    assert d19.sentiment == {"negative": 2, "neutral": 1, "positive": 1}
    assert d20.sentiment == {"neutral": 1, "positive": 1, "negative": 1}
    # Votes count on the day of the reply: A's and D's on 11-18, H's on 11-19.
    assert [(d18.up, d18.down), (d19.up, d19.down), (d20.up, d20.down)] == [(1, 1), (1, 0), (0, 0)]


def test_per_model_version(report):
    versions = dict(report.by_version)
    assert [v for v, _ in report.by_version] == ["v1", "v2"]  # most conversations first
    v1, v2 = versions["v1"], versions["v2"]
    # v1 last replied in A, B, F, G, J, L; v2 in C (its first reply was v1), D, E, H, I.
    assert (v1.conversations, v2.conversations) == (6, 5)
    # v1: settled A, B, F, G, L - resolved A, B. v2: settled C, D, E, H - resolved H.
    assert (v1.settled, v1.resolved, v2.settled, v2.resolved) == (5, 2, 4, 1)
    assert (v1.handed_over, v2.handed_over) == (3, 1)
    assert v1.reasons == {"asked": 1, "frustration": 1, "unrecorded": 1} and v2.reasons == {"gate": 1}
    assert (v1.deflected, v2.deflected) == (2, 4)
    assert (v1.csat_mean, v2.csat_mean) == (2.0, 5.0)
    assert (v1.up, v1.down, v2.up, v2.down) == (1, 0, 1, 1)


def test_the_window_and_the_return_gap_are_parameters(sessions):
    build_analytics(sessions)
    # With a 25 h window H (exactly 25 h old: settled) is reopened by its return 24.5 h after
    # its start: only A and B are left resolved.
    wide = analytics_report(sessions, days=7, now=NOW, window=timedelta(hours=25))
    assert (wide.total.pending, wide.total.settled, wide.total.resolved) == (2, 9, 2)
    # With a 2.5 h window I (3 h old) is settled and resolved, and C's return after 3 h falls
    # outside the window: A, B, C, H, I.
    narrow = analytics_report(sessions, days=7, now=NOW, window=timedelta(hours=2.5))
    assert (narrow.total.pending, narrow.total.settled, narrow.total.resolved) == (1, 10, 5)
    # Counting C's return after 3 hours as the same exchange makes C resolved too.
    patient = analytics_report(sessions, days=7, now=NOW, reopen_after=timedelta(hours=3))
    assert patient.total.resolved == 4


def test_json_carries_the_same_numbers(report):
    data = report_json(report)
    total = data["total"]
    assert total["automated_resolution"] == {"rate": 0.3333, "resolved": 3, "settled": 9, "pending": 2}
    assert total["deflection"] == {"rate": 0.5455, "deflected": 6}
    assert total["handover"]["reasons"] == {
        "asked": 1,
        "repeated_ask": 0,
        "gate": 1,
        "frustration": 1,
        "topic": 0,
        "unrecorded": 1,
    }
    assert total["csat"] == {"mean": 3.5, "good_share": 0.5, "count": 2}
    assert total["feedback"] == {"up": 2, "down": 1, "up_rate": 0.6667}
    assert len(data["by_day"]) == 7 and data["period"]["window_hours"] == 24
    assert [v["model_version"] for v in data["by_version"]] == ["v1", "v2"]


def test_an_empty_database(sessions):
    report = analytics_report(sessions, days=30, now=NOW)
    assert report.total.conversations == 0 and report.total.resolution_rate is None
    assert len(report.by_day) == 30 and report.by_version == []
