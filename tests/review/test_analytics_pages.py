"""The Analytics and Content gaps pages, their JSON API, and the new-ticket form, over the real
app and database (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from supportbot.core import store
from supportbot.core.models import AuditEntry, Ticket
from tests.analytics_data import CRYPTO, CRYPTO_BEST, build_analytics, build_gaps
from tests.review.conftest import page_csrf

FIGURE = re.compile(r'data-figure="(\w+)"><b>([^<]*)</b>')


@pytest.fixture
def analytics(sessions):
    return build_analytics(sessions, datetime.now(UTC))


def test_the_page_shows_the_hand_counted_figures(admin, analytics):
    page = admin.get("/analytics")
    assert page.status_code == 200, page.text[:500]
    # The counts of tests/analytics_data.py: resolved 3 of 9 settled, deflected 6 of 11, handed
    # over 4 of 11, CSAT 5 and 2, 👍 2 of 3, mean frustration 4.6 / 13.
    assert dict(FIGURE.findall(page.text)) == {
        "resolution": "33%",
        "deflection": "55%",
        "handover": "36%",
        "csat": "3.5",
        "up": "67%",
        "frustration": "0.35",
    }
    assert "3 of 9 (2 pending)" in page.text
    # Three charts: the rates' lines, the reasons' bars, the sentiment's stacked bars.
    assert page.text.count('<svg class="chart') == 3
    reasons = re.search(r'id="chart-reasons">(.*?)</svg>', page.text, flags=re.S).group(1)
    assert sorted(re.findall(r'class="bar-reason"[^>]*data-value="(\d+)"', reasons)) == ["0", "0"] + ["1"] * 4
    sentiment = re.search(r'id="chart-sentiment">(.*?)</svg>', page.text, flags=re.S).group(1)
    for label, turns in (("negative", 5), ("neutral", 5), ("positive", 3)):
        values = re.findall(rf'class="bar-{label}"[^>]*data-value="(\d+)"', sentiment)
        assert sum(int(v) for v in values) == turns, label
    assert re.findall(r'<tr data-version="([^"]*)">', page.text) == ["v1", "v2"]
    assert 'href="/analytics"' in page.text and 'class="active">Analytics' in page.text


def test_the_api_has_the_same_numbers(admin, analytics):
    data = admin.get("/api/analytics", params={"days": 30}).json()
    assert data["total"]["automated_resolution"] == {
        "rate": 0.3333,
        "resolved": 3,
        "settled": 9,
        "pending": 2,
    }
    assert data["total"]["handover"]["handed_over"] == 4 and len(data["by_day"]) == 30
    assert admin.get("/api/analytics", params={"days": 0}).status_code == 400
    assert admin.get("/analytics", params={"days": 1000}).status_code == 400


def test_login_is_required(client):
    assert client.get("/analytics").status_code == 303
    assert client.get("/analytics/gaps").status_code == 303
    assert client.get("/tickets/new").status_code == 303
    assert client.get("/api/analytics").status_code == 401
    assert client.post("/tickets/new", data={"question": "q", "resolution": "r"}).status_code == 401


def test_the_gaps_page_links_a_prefilled_form(admin, sessions):
    build_gaps(sessions, datetime.now(UTC))
    page = admin.get("/analytics/gaps")
    assert page.status_code == 200, page.text[:500]
    assert re.findall(r'<li class="card gap" data-size="(\d+)"', page.text) == ["3", "3"]
    assert "7 questions, 2 gaps, 1 asked once" in page.text
    links = [
        m.replace("&amp;", "&")
        for m in re.findall(r'class="button primary write-ticket" href="([^"]+)"', page.text)
    ]
    crypto = next(link for link in links if parse_qs(urlsplit(link).query)["question"] == [CRYPTO[0]])
    form = admin.get(crypto).text
    assert f">{CRYPTO[0]}</textarea>" in form and f">{CRYPTO_BEST}</textarea>" in form
    api = admin.get("/api/analytics/gaps").json()
    assert sorted(g["size"] for g in api["gaps"]) == [3, 3]
    assert all(g["new_ticket_url"].startswith("/tickets/new?") for g in api["gaps"])


def test_the_form_creates_an_audited_ticket(admin, sessions):
    asked = build_gaps(sessions, datetime.now(UTC))
    # A gap id alone pre-fills the form from that question's conversation.
    form = admin.get("/tickets/new", params={"message": asked[CRYPTO[2]]}).text
    assert f">{CRYPTO[2]}</textarea>" in form and f">{CRYPTO_BEST}</textarea>" in form
    csrf = page_csrf(admin, "/tickets/new")
    fields = {
        "csrf_token": csrf,
        "external_id": "KB-crypto",
        "question": CRYPTO[0],
        "resolution": "We take cards and PayPal. Questions: write to help@example.com.",
        "category": "payments",
        "message": str(asked[CRYPTO[0]]),
    }
    done = admin.post("/tickets/new", data=fields)
    assert done.status_code == 303
    assert done.headers["location"].startswith("/tickets/new?created=KB-crypto")
    shown = admin.get(done.headers["location"]).text
    assert "Ticket <b>KB-crypto</b> created; index not updated: there is no index yet" in shown
    with sessions() as s:
        ticket = store.get_ticket(s, external_id="KB-crypto")
        assert (ticket.question, ticket.category, ticket.source) == (CRYPTO[0], "payments", "review")
        assert ticket.resolution == "We take cards and PayPal. Questions: write to [EMAIL]."
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.create")).one()
        assert entry.actor == "alice"
        assert entry.detail == {
            "external_id": "KB-crypto",
            "ticket_id": ticket.id,
            "via": "review",
            "from_message": asked[CRYPTO[0]],
        }
    # The same id again is refused, and so is a ticket without a resolution; nothing is stored.
    again = admin.post("/tickets/new", data=fields)
    assert again.status_code == 409 and "exists already" in again.text
    empty = admin.post("/tickets/new", data={**fields, "external_id": "KB-2", "resolution": "  "})
    assert empty.status_code == 400 and "needs a question and a resolution" in empty.text
    # Without the form's token nothing happens.
    forged = admin.post("/tickets/new", data={**fields, "external_id": "KB-3", "csrf_token": "x"})
    assert forged.status_code == 403
    with sessions() as s:
        assert s.scalar(select(Ticket.external_id).where(Ticket.external_id.in_(["KB-2", "KB-3"]))) is None


def test_a_new_ticket_lands_in_the_index(admin, ctx, sessions):
    from supportbot.core.db import transaction
    from supportbot.retrieval.embedder import load_embedder
    from supportbot.retrieval.index_builder import build_index
    from supportbot.retrieval.search import Retriever

    with transaction(sessions) as s:
        store.upsert_ticket(
            s, external_id="T-1", question="How do I reset my password?", resolution="Use Forgot password."
        )
        store.upsert_ticket(
            s, external_id="T-2", question="Where is my parcel?", resolution="See the tracking link."
        )
    embedder = load_embedder()
    build_index(sessions=sessions, folder=ctx.settings.index_dir, embedder=embedder)
    csrf = admin.get("/api/me").json()["csrf_token"]
    created = admin.post(
        "/api/tickets",
        json={
            "external_id": "KB-9",
            "question": "Can I pay with crypto?",
            "resolution": "Cards and PayPal only.",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201, created.text
    assert created.json()["index"].startswith("index updated: 1 embedded, 0 removed, 3 tickets")
    retriever = Retriever.from_index(ctx.settings.index_dir, sessions=sessions, embedder=embedder)
    assert retriever.search("Do you accept Bitcoin?", k=1)[0].external_id == "KB-9"
    assert admin.post("/api/tickets", json={"question": "q", "resolution": "r"}).status_code == 403
