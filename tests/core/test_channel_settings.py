"""Per-channel settings: defaults, each setting with its checks, audited, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import AnswerMode
from supportbot.core.errors import InvalidInput
from supportbot.usecases.channels import all_channel_settings, channel_settings, set_channel_setting
from supportbot.usecases.home import home_numbers


def add_tickets(sessions):
    with transaction(sessions) as s:
        for i, category in enumerate(["billing", "billing", "delivery", "account", None]):
            store.upsert_ticket(
                s, external_id=f"T-{i}", question=f"q{i}", resolution=f"a{i}", category=category
            )


def test_defaults_without_a_row(sessions):
    config = channel_settings(sessions, team="T1", channel="C1")
    assert (config.answer_mode, config.categories, config.handover_group, config.private) == (
        AnswerMode.mentions,
        (),
        None,
        False,
    )
    assert all_channel_settings(sessions) == []


def test_each_setting_is_checked_stored_and_audited(sessions):
    add_tickets(sessions)

    def put(name, value, channel="C1"):
        return set_channel_setting(
            sessions, team="T1", channel=channel, name=name, value=value, actor="UADMIN"
        )

    assert put("mode", "all").answer_mode == AnswerMode.all
    assert put("categories", "Billing, delivery").categories == ("billing", "delivery")
    with pytest.raises(InvalidInput, match="unknown category shipping; known: billing, account, delivery"):
        put("categories", "billing,shipping")
    assert put("group", "<!subteam^S0BILLING|@billing>").handover_group == "S0BILLING"
    with pytest.raises(InvalidInput, match="looks like S0123ABCD"):
        put("group", "U0NOTAGROUP")
    assert put("private", "on").private is True
    with pytest.raises(InvalidInput, match="`on` or `off`"):
        put("private", "maybe")
    with pytest.raises(InvalidInput, match="`all` or `mentions`"):
        put("mode", "sometimes")
    with pytest.raises(InvalidInput, match="unknown setting"):
        put("colour", "blue")

    config = channel_settings(sessions, team="T1", channel="C1")
    assert (config.answer_mode, config.categories, config.handover_group, config.private) == (
        AnswerMode.all,
        ("billing", "delivery"),
        "S0BILLING",
        True,
    )
    assert config.updated_by == "UADMIN"
    assert put("categories", "all").categories == ()
    assert put("group", "default").handover_group is None
    put("mode", "mentions", channel="C0OTHER")
    assert [(c.channel, c.answer_mode) for c in all_channel_settings(sessions)] == [
        ("C0OTHER", AnswerMode.mentions),
        ("C1", AnswerMode.all),
    ]
    with sessions() as s:
        entries = store.audit_entries(s)
    assert len(entries) == 7 and {e.action for e in entries} == {"channel.setting"}
    assert entries[-1].detail == {"team": "T1", "channel": "C1", "setting": "answer_mode", "value": "all"}


def test_home_numbers_count_today(sessions):
    add_tickets(sessions)
    with transaction(sessions) as s:
        for i, outcome in enumerate(["model", "handover", "model", "model"]):
            turn = store.record_user_turn(s, text=f"question {i}", channel="C1", ts=f"{i}.1", user="U1")
            store.record_reply(s, reply_to_id=turn.message.id, text="answer", outcome=outcome)
    numbers = home_numbers(sessions, indexed=5)
    assert numbers.categories == ["billing", "account", "delivery"]
    assert (numbers.tickets, numbers.indexed, numbers.queued_jobs) == (5, 5, 0)
    assert (numbers.questions_today, numbers.conversations_today, numbers.handed_over_today) == (4, 4, 1)
    assert numbers.handover_rate_today == 0.25
    tomorrow = home_numbers(sessions, now=datetime.now(UTC) + timedelta(days=1))
    assert (tomorrow.questions_today, tomorrow.handover_rate_today) == (0, None)
