"""The pages and the JSON API against the hand-made conversations, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.models import TrainingJob
from tests.review.conftest import page_csrf

ROW_ID = re.compile(r'<tr data-id="(\d+)"')


def listed(admin, **params) -> list[int]:
    response = admin.get("/", params=params)
    assert response.status_code == 200, response.text[:500]
    ids = [int(i) for i in ROW_ID.findall(response.text)]
    api = admin.get("/api/conversations", params=params).json()
    assert [c["id"] for c in api["conversations"]] == ids  # the API lists the same rows
    return ids


def expected_lists(s) -> list[tuple[dict[str, str], list[int]]]:
    """Filters and the conversations they must return, newest update first (worked out by hand)."""
    five_days_ago = (s.now - timedelta(days=5)).date().isoformat()
    return [
        ({}, [s.order, s.password, s.charged, s.email]),
        ({"rating": "down"}, [s.order]),
        ({"rating": "up"}, [s.password]),
        ({"rating": "none"}, [s.charged, s.email]),
        ({"status": "escalated"}, [s.charged]),
        ({"status": "resolved"}, [s.email]),
        ({"status": "answered"}, [s.order, s.password]),
        ({"status": "open"}, []),
        ({"channel": "C1"}, [s.order, s.charged]),
        ({"user": "U1"}, [s.order, s.email]),
        ({"model_version": "v1"}, [s.order, s.email]),
        ({"model_version": "v2"}, [s.password, s.charged]),
        ({"since": "5d"}, [s.order, s.password, s.charged]),
        ({"since": "36h"}, [s.order]),
        ({"until": five_days_ago}, [s.email]),
        ({"q": "password"}, [s.password]),
        ({"q": "Profile"}, [s.email]),  # found in a reply, not in the question
        ({"q": "nothing like this"}, []),
        ({"rating": "down", "channel": "C1"}, [s.order]),
        ({"channel": "C2", "status": "resolved", "since": "30d"}, [s.email]),
    ]


def test_list_filters_match_the_reference(admin, seeded):
    for params, ids in expected_lists(seeded):
        assert listed(admin, **params) == ids, params
        counted = admin.get("/api/conversations/count", params=params).json()
        assert counted["count"] == len(ids), params


def test_list_shows_exact_counts_inline_and_slow_ones_later(admin, seeded):
    page = admin.get("/", params={"rating": "none"}).text
    assert 'data-count="2"' in page and "2 conversations match" in page
    page = admin.get("/", params={"q": "password"}).text
    assert 'data-count-url="/api/conversations/count?q=password"' in page
    assert admin.get("/api/conversations/count", params={"q": "password"}).json() == {
        "count": 1,
        "capped": False,
        "text": "1 conversation match",
    }


def test_list_pages(admin, seeded):
    first = admin.get("/", params={"per_page": 3}).text
    assert [int(i) for i in ROW_ID.findall(first)] == [seeded.order, seeded.password, seeded.charged]
    assert "page 1 of 2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = admin.get("/", params={"per_page": 3, "page": 2}).text
    assert [int(i) for i in ROW_ID.findall(second)] == [seeded.email]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    api = admin.get("/api/conversations", params={"per_page": 3}).json()
    assert (api["total"], api["has_next"], api["page"]) == (4, True, 1)


def test_list_rows_show_what_an_admin_scans_for(admin, seeded):
    page = admin.get("/").text
    row = page[page.index(f'<tr data-id="{seeded.order}"') :]
    row = row[: row.index("</tr>")]
    for expected in ["C1", "U1", "status-answered", "rating-down", "v1", "My order 1234 has not arrived"]:
        assert expected in row
    assert ">2</td>" in row  # messages


@pytest.mark.parametrize(
    "params", [{"status": "bogus"}, {"rating": "sideways"}, {"since": "last tuesday"}, {"page": "two"}]
)
def test_bad_filters_are_a_clear_400(admin, seeded, params):
    response = admin.get("/", params=params)
    assert response.status_code == 400
    assert 'class="error"' in response.text and not ROW_ID.findall(response.text)
    assert admin.get("/api/conversations", params=params).status_code == 400


def test_conversation_page_shows_thread_sources_and_how_each_reply_was_made(admin, seeded):
    page = admin.get(f"/conversations/{seeded.order}").text
    assert page.index("My order 1234 has not arrived") < page.index("It ships tomorrow.")
    reply = page[page.index(f'id="m{seeded.replies[seeded.order][0]}"') :]
    assert "T-17 <b>0.81</b>" in reply and "T-3 <b>0.62</b>" in reply
    for expected in ["v1", "chat", "840 ms", "120 + 45 tokens", "confidence -0.42", "<b>U1</b>"]:
        assert expected in reply
    handover = admin.get(f"/conversations/{seeded.charged}").text
    assert "outcome-handover" in handover and "No tickets retrieved." in handover
    assert admin.get("/conversations/999").status_code == 404
    assert admin.get("/api/conversations/999").json() == {"error": "conversation 999 does not exist"}


def test_review_actions_change_the_conversation_and_are_recorded(admin, seeded, sessions):
    cid, mid = seeded.password, seeded.replies[seeded.password][0]
    token = page_csrf(admin)
    base = f"/conversations/{cid}"

    def post(path, **fields):
        response = admin.post(base + path, data={"csrf_token": token, **fields})
        assert response.status_code == 303, response.text[:300]
        return admin.get(response.headers["location"]).text

    assert "Rated 👎." in post(f"/messages/{mid}/rate", rating="down")
    assert "Comment saved." in post(f"/messages/{mid}/comment", comment="Too short, and no link.")
    corrected = "Open Settings > Security > Reset password; the link we email is valid for 24 hours."
    assert "Corrected answer saved." in post(f"/messages/{mid}/correct", corrected_answer=corrected)
    assert "Nothing saved" in post(f"/messages/{mid}/correct", corrected_answer=corrected)  # the same again
    assert "Approved for training." in post("/approve", approved="1")
    page = post("/status", status="resolved")

    with sessions() as s:
        conv = store.get_conversation(s, conversation_id=cid)
        assert (conv.status.value, conv.rating, conv.approved_for_training) == ("resolved", -1, True)
        admin_feedback = [
            (f.rating, f.comment, f.corrected_answer)
            for f in conv.messages[1].feedback
            if f.user == "admin:alice"
        ]
        assert admin_feedback == [
            (-1, None, None),
            (None, "Too short, and no link.", None),
            (None, None, corrected),
        ]
        entries = sorted(store.audit_entries(s, conversation_id=cid), key=lambda e: e.id)
        assert [(e.actor, e.action, e.message_id) for e in entries] == [
            ("alice", "review.rate", mid),
            ("alice", "review.comment", mid),
            ("alice", "review.correct", mid),
            ("alice", "review.approve", None),
            ("alice", "review.status", None),
        ]
        assert entries[-1].detail == {"status": "resolved", "from": "answered"}
    # The page shows who did what, the correction and the new state.
    activity = page[page.index('class="card activity"') :]
    assert activity.count("<b>alice</b>") == 5
    for action in ["review.rate", "review.comment", "review.correct", "review.approve", "review.status"]:
        assert action in activity
    assert "Corrected answer" in page and corrected.replace(">", "&gt;") in page
    assert "Withdraw training approval" in page and "Mark resolved" not in page


def test_actions_refuse_a_message_of_another_conversation_or_a_question(admin, seeded, sessions):
    token = page_csrf(admin)
    other = seeded.replies[seeded.password][0]
    response = admin.post(
        f"/conversations/{seeded.order}/messages/{other}/rate", data={"csrf_token": token, "rating": "up"}
    )
    assert response.status_code == 404
    question = seeded.replies[seeded.order][0] - 1
    response = admin.post(
        f"/conversations/{seeded.order}/messages/{question}/correct",
        data={"csrf_token": token, "corrected_answer": "x"},
    )
    assert response.status_code == 400
    with sessions() as s:
        assert [e.action for e in store.audit_entries(s)] == ["review.login"]


def test_overview_numbers(admin, seeded):
    data = admin.get("/api/overview").json()
    assert data["total"] == 4 and data["approved"] == 0
    assert data["by_status"] == {"open": 0, "answered": 2, "escalated": 1, "resolved": 1}
    assert data["ratings"] == [
        {"model_version": "v1", "up": 0, "down": 1, "up_rate": 0.0},
        {"model_version": "v2", "up": 1, "down": 0, "up_rate": 1.0},
    ]
    per_day = {d["day"]: d for d in data["per_day"]}
    assert len(per_day) == 30
    for cid, status in [
        (seeded.order, "answered"),
        (seeded.password, "answered"),
        (seeded.charged, "escalated"),
        (seeded.email, "resolved"),
    ]:
        day = seeded.times[cid][0].date().isoformat()
        assert per_day[day][status] >= 1
    assert sum(d[k] for d in per_day.values() for k in ("open", "answered", "escalated", "resolved")) == 4
    page = admin.get("/overview").text
    assert page.count("<svg") == 2 and "50%" in page  # one 👍 of two ratings


def test_retrain_now_queues_one_job(admin, sessions):
    token = page_csrf(admin, "/overview")
    response = admin.post("/jobs/retrain", data={"csrf_token": token})
    assert response.headers["location"] == "/overview?done=retrain"
    again = admin.post("/jobs/retrain", data={"csrf_token": token})
    assert "already+queued" in again.headers["location"]
    with sessions() as s:
        jobs = s.scalars(select(TrainingJob)).all()
        assert [(j.requested_by, j.status.value, j.config) for j in jobs] == [("alice", "queued", {})]
        assert [(e.actor, e.detail) for e in store.audit_entries(s) if e.action == "job.enqueue"] == [
            ("alice", {"job": jobs[0].id, "via": "review"})
        ]
    page = admin.get("/overview").text
    assert "job-queued" in page


def test_export_from_the_page(admin, seeded, sessions, tmp_path):
    from supportbot.training.data import load_chat_jsonl

    corrected = "We are sorry: order <ORDER_ID> is delayed and leaves the warehouse today."
    with transaction(sessions) as s:
        store.record_feedback(
            s, message_id=seeded.replies[seeded.order][0], user="admin:bob", corrected_answer=corrected
        )
        store.set_approved(s, conversation_id=seeded.order)
        store.set_approved(s, conversation_id=seeded.email)
    token = page_csrf(admin, "/overview")
    response = admin.post("/export", data={"csrf_token": token})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="supportbot-training-')
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines == [
        {
            "id": f"conv-{seeded.order}",
            "messages": [
                {"role": "user", "content": "My order 1234 has not arrived"},
                {"role": "assistant", "content": corrected},
            ],
        },
        {
            "id": f"conv-{seeded.email}",
            "messages": [
                {"role": "user", "content": "Can I change my email?"},
                {"role": "assistant", "content": "Yes, under Profile."},
                {"role": "user", "content": "And my phone number?"},
                {"role": "assistant", "content": "Also under Profile."},
            ],
        },
    ]
    # Approved + 👍 adds the conversation rated up; and training reads the file as it is.
    rated = admin.post("/export", data={"csrf_token": token, "scope": "rated"}).text
    assert [json.loads(line)["id"] for line in rated.splitlines()] == [
        f"conv-{seeded.order}",
        f"conv-{seeded.password}",
        f"conv-{seeded.email}",
    ]
    with sessions() as s:
        exports = [e for e in store.audit_entries(s) if e.action == "review.export"]
        assert [e.detail for e in reversed(exports)] == [
            {"conversations": 2, "approved_only": True},
            {"conversations": 3, "approved_only": False},
        ]
    exported = tmp_path / "export.jsonl"
    exported.write_text(response.text, encoding="utf-8")
    conversations, report = load_chat_jsonl(exported)
    assert report.errors == [] and [c.id for c in conversations] == [
        f"conv-{seeded.order}",
        f"conv-{seeded.email}",
    ]


def test_conversation_page_shows_how_each_customer_turn_reads(admin, seeded, sessions):
    from sqlalchemy import select

    from supportbot.core import store
    from supportbot.core.db import transaction
    from supportbot.core.enums import Role, Sentiment
    from supportbot.core.models import Message

    with transaction(sessions) as s:
        question = s.scalar(
            select(Message.id).where(Message.conversation_id == seeded.order, Message.role == Role.user)
        )
        store.note_mood(s, message_id=question, sentiment=Sentiment.negative, frustration=0.734)
    page = admin.get(f"/conversations/{seeded.order}").text
    turn = page[page.index(f'id="m{question}"') :]
    assert "mood-negative" in turn[: turn.index("</header>")]
    assert "frustration 0.73" in turn[: turn.index("</header>")]
    assert "mood-" not in admin.get(f"/conversations/{seeded.password}").text  # never scored
