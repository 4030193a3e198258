"""The rules around customer mood, on a real database (SQLite and PostgreSQL): when the triage
hands over or offers a person, and when a surge of negative messages is an alert — once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import HandoverReason, Sentiment
from supportbot.core.models import utcnow
from supportbot.core.mood import Mood
from supportbot.core.settings import load_settings
from supportbot.usecases.alerts import check_surge, surging
from supportbot.usecases.triage import Action, Triage, asks_for_human


@pytest.mark.parametrize(
    "text",
    [
        "Can I talk to a human?",
        "I want to speak with a real person",
        "agent please",
        "get me someone from your staff",
        "I need a person, not a bot",
        "please escalate this",
    ],
)
def test_asking_for_a_person_in_words(text):
    assert asks_for_human(text)


@pytest.mark.parametrize(
    "text",
    ["My order has not arrived", "The human resources page is broken", "Who is the person on the box?"],
)
def test_other_questions_do_not_ask_for_a_person(text):
    assert not asks_for_human(text)


def _triage(tmp_path, **overrides) -> Triage:
    return Triage(settings=load_settings(home=tmp_path, **overrides), sessions=None, scorer=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("frustration", "asked", "asks", "action", "reason"),
    [
        (0.10, False, 0, Action.answer, None),
        (0.65, False, 0, Action.offer, None),  # over the offer threshold
        (0.10, True, 1, Action.offer, None),  # a first ask in words
        (0.10, True, 2, Action.hand_over, HandoverReason.repeated_ask),
        (0.90, False, 0, Action.hand_over, HandoverReason.frustration),
    ],
)
def test_the_triage_decides_by_frustration_and_asks(tmp_path, frustration, asked, asks, action, reason):
    triage = _triage(tmp_path)
    mood = Mood(Sentiment.negative if frustration > 0.5 else Sentiment.neutral, frustration)
    decided = triage.decide(text="My order is late", mood=mood, asked=asked, asks=asks)
    assert (decided.action, decided.reason) == (action, reason)


def test_a_keyword_topic_hands_over_whatever_the_mood(tmp_path):
    triage = _triage(tmp_path, handover_keywords=["chargeback", "data breach"])
    calm = Mood(Sentiment.positive, 0.0)
    assert (
        triage.decide(text="Is there a DATA BREACH?", mood=calm, asked=False, asks=0).reason
        is HandoverReason.topic
    )
    assert triage.decide(text="chargebacks are fun", mood=calm, asked=False, asks=0).action is Action.answer


def test_surging_needs_a_rise_well_above_the_baseline():
    assert surging(0.5, 0.1, ratio=2.0)
    assert not surging(0.15, 0.05, ratio=2.0)  # three times a tiny baseline is still few
    assert not surging(0.5, 0.4, ratio=2.0)
    assert surging(0.6, None, ratio=2.0)  # no history: judged against the floor
    assert not surging(None, 0.1, ratio=2.0)


def _turn(session, i: int, *, sentiment: Sentiment, when, topic: str | None = None):
    recorded = store.record_user_turn(
        session,
        text=f"message {i}",
        source="slack",
        channel="C0X",
        thread_ts=f"{i}.0",
        user="U0X",
        ts=f"{i}.0",
    )
    recorded.message.created_at = when
    recorded.message.sentiment = sentiment.value
    recorded.message.topic = topic


def test_a_surge_is_claimed_once_per_window_and_topic(sessions, tmp_path):
    settings = load_settings(home=tmp_path, alert_channel="C0ALERTS", alert_min_messages=5)
    now = utcnow()
    with transaction(sessions) as s:
        for i in range(20):  # the baseline: one negative in twenty
            _turn(
                s,
                i,
                sentiment=Sentiment.negative if i == 0 else Sentiment.neutral,
                when=now - timedelta(hours=5),
            )
        for i in range(20, 24):  # the window so far: four messages, too few to judge
            _turn(s, i, sentiment=Sentiment.negative, when=now - timedelta(minutes=10), topic="shipping")
    assert check_surge(sessions, settings, now=now) is None
    with transaction(sessions) as s:
        _turn(s, 24, sentiment=Sentiment.negative, when=now - timedelta(minutes=5), topic="refunds")
    surge = check_surge(sessions, settings, now=now)
    assert surge is not None
    assert surge.topic == "shipping" and surge.negative == 5 and surge.scored == 5
    assert surge.baseline == pytest.approx(0.05) and surge.topics == [("shipping", 4), ("refunds", 1)]
    # The same surge seen again (the next negative message, another replica): no second alert.
    assert check_surge(sessions, settings, now=now) is None
    assert check_surge(sessions, settings, now=now + timedelta(minutes=20)) is None
    with sessions() as s:
        assert len(store.list_alerts(s)) == 1


def test_no_alert_channel_no_alert(sessions, tmp_path):
    settings = load_settings(home=tmp_path)
    now = utcnow()
    with transaction(sessions) as s:
        for i in range(10):
            _turn(s, i, sentiment=Sentiment.negative, when=now - timedelta(minutes=1))
    assert check_surge(sessions, settings, now=now) is None
