"""A support lead's round in a real Chromium: the Analytics page's figures and charts, the
content gaps, and a gap turned into a ticket. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import UTC, datetime

from supportbot.core import store
from tests.analytics_data import CRYPTO, CRYPTO_BEST, build_analytics, build_gaps
from tests.review.conftest import PASSWORD
from tests.review.test_browser import db_url, page, pytestmark, server, shot

__all__ = ["db_url", "page", "pytestmark", "server"]  # the fixtures and marks of the review round


def test_analytics_and_a_gap_made_a_ticket(server, sessions, page):
    build_analytics(sessions, datetime.now(UTC))
    page.goto(server.url + "/analytics")
    page.fill("input[name=name]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(server.url + "/analytics")

    # The hand-counted figures of tests/analytics_data.py, as the page shows them.
    figures = {
        name: page.locator(f"[data-figure={name}] b").inner_text()
        for name in ("resolution", "deflection", "handover", "csat", "up")
    }
    assert figures == {
        "resolution": "33%",
        "deflection": "55%",
        "handover": "36%",
        "csat": "3.5",
        "up": "67%",
    }
    assert page.locator("svg.chart").count() == 3
    # Lines of the three rates, a dot per day with a value; a bar per hand-over reason; the
    # stacked sentiment bars hold the 13 scored customer turns.
    assert page.locator("#chart-rates polyline").count() >= 3
    assert page.locator("#chart-rates circle.line-deflection").count() >= 2
    reason_bars = page.locator("#chart-reasons rect.bar-reason")
    assert reason_bars.count() == 6
    assert sorted(int(r.get_attribute("data-value")) for r in reason_bars.all()) == [0, 0, 1, 1, 1, 1]
    turns = page.locator("#chart-sentiment rect[data-value]")
    assert sum(int(r.get_attribute("data-value")) for r in turns.all()) == 13
    assert page.locator("table.versions tbody tr").count() == 2
    shot(page, "analytics-01-analytics")

    build_gaps(sessions, datetime.now(UTC))
    page.click("#gaps-link")
    page.wait_for_url("**/analytics/gaps*", timeout=60_000)  # the first visit loads the embedder
    gaps = page.locator("li.gap")
    assert gaps.count() == 2
    assert [g.get_attribute("data-size") for g in gaps.all()] == ["3", "3"]
    shot(page, "analytics-02-content-gaps")

    crypto = page.locator("li.gap", has_text=CRYPTO[0])
    assert crypto.locator(".resolution").inner_text().endswith(CRYPTO_BEST)
    crypto.locator("a.write-ticket").click()
    page.wait_for_url("**/tickets/new?*")
    assert page.input_value("textarea[name=question]") == CRYPTO[0]
    assert page.input_value("textarea[name=resolution]") == CRYPTO_BEST
    page.fill("input[name=external_id]", "KB-crypto")
    shot(page, "analytics-03-new-ticket")
    page.click("#create-ticket")
    page.wait_for_selector("#ticket-created")
    assert "KB-crypto" in page.locator("#ticket-created").inner_text()
    shot(page, "analytics-04-ticket-created")
    with sessions() as s:
        ticket = store.get_ticket(s, external_id="KB-crypto")
        assert (ticket.question, ticket.resolution) == (CRYPTO[0], CRYPTO_BEST)
