"""The admin's whole review round in a real Chromium against a real server and database:
log in, filter to 👎, open the conversation, correct the answer, approve it, export, and find the
correction in the exported JSONL. A screenshot of each page goes to test-artifacts/screenshots/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.review.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CORRECTED = (
    "Sorry for the wait. Order <ORDER_ID> left our warehouse today; the tracking link is in your email."
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture
def db_url(sqlite_url):
    """One real database is enough here: the store and the pages are tested on both elsewhere."""
    return sqlite_url


@pytest.fixture
def server(app):
    from supportbot.review.server import ReviewServer

    with ReviewServer(app) as srv:
        yield srv


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path


def test_review_round_in_the_browser(server, seeded, page, tmp_path):
    # Without a session the app sends the browser to the login page.
    page.goto(server.url + "/")
    assert page.url.startswith(server.url + "/login")
    shot(page, "01-login")

    page.fill("input[name=name]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(server.url + "/")
    rows = page.locator("table.conversations tbody tr")
    assert rows.count() == 4
    shot(page, "02-conversations")

    # A text search lists at once; its count arrives a moment later (fetched by the page's script).
    page.fill("input[name=q]", "arrived")
    page.click("button:has-text('Filter')")
    page.wait_for_selector(".count[data-count]")
    assert page.locator(".count").inner_text() == "1 conversation match"
    assert [int(r.get_attribute("data-id")) for r in rows.all()] == [seeded.order]
    page.click("a.chip:has-text('All')")
    page.wait_for_url(server.url + "/")

    # Filter to 👎 with the form: only the order conversation is left.
    page.select_option("select[name=rating]", "down")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**/?*rating=down*")
    assert [int(r.get_attribute("data-id")) for r in rows.all()] == [seeded.order]
    shot(page, "03-conversations-rated-down")

    page.click(f"tr[data-id='{seeded.order}'] td.preview a")
    page.wait_for_url(f"**/conversations/{seeded.order}*")
    reply = page.locator(f"#m{seeded.replies[seeded.order][0]}")
    assert "T-17" in reply.locator(".sources").inner_text()
    meta = reply.locator(".meta").inner_text()
    assert "v1" in meta and "840 ms" in meta and "120 + 45 tokens" in meta
    shot(page, "04-conversation")

    # The correction form is open on a 👎 reply; write the corrected answer.
    reply.locator("textarea[name=corrected_answer]").fill(CORRECTED)
    reply.locator("button:has-text('Save corrected answer')").click()
    page.wait_for_selector("text=Corrected answer saved.")
    page.click("button:has-text('Approve for training')")
    page.wait_for_selector("text=Approved for training.")
    reply = page.locator(f"#m{seeded.replies[seeded.order][0]}")
    assert reply.locator(".correction .text").inner_text() == CORRECTED
    activity = page.locator(".activity").inner_text()
    assert "review.correct" in activity and "review.approve" in activity and "alice" in activity
    shot(page, "05-conversation-corrected-approved")

    page.click("nav a:has-text('Overview')")
    page.wait_for_url(server.url + "/overview")
    assert page.locator("svg.chart").count() == 2
    shot(page, "06-overview")

    with page.expect_download() as download_info:
        page.click("#export-approved")
    exported = tmp_path / "export.jsonl"
    download_info.value.save_as(exported)
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {
            "id": f"conv-{seeded.order}",
            "messages": [
                {"role": "user", "content": "My order 1234 has not arrived"},
                {"role": "assistant", "content": CORRECTED},
            ],
        }
    ]

    page.click("button:has-text('Log out')")
    page.wait_for_url("**/login")
    page.goto(server.url + "/overview")
    assert page.url.startswith(server.url + "/login")
