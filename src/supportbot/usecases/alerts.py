"""Sentiment alerts: when the share of negative customer messages in the last window (default an
hour) rises well above its trailing baseline (default the 24 hours before), one alert goes to the
support channel, naming the topics involved.

"Well above": at least ``SUPPORTBOT_ALERT_RATIO`` times the baseline's share (a baseline under
10% counts as 10%, so a quiet week does not make two angry messages a surge) and at least 15
points more, with at least ``SUPPORTBOT_ALERT_MIN_MESSAGES`` scored messages in the window. No
storms: one alert per topic (the window's most frequent topic of the negative messages) within a
window, whichever replica sees the surge first (the database's unique key decides).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from supportbot.core import store
from supportbot.core.db import Sessions, transaction
from supportbot.core.models import utcnow
from supportbot.core.settings import Settings

BASELINE_FLOOR = 0.10
MIN_RISE = 0.15
GENERAL = "general"  # the topic of messages whose question matched no category


@dataclass(frozen=True)
class Surge:
    alert_id: int
    topic: str
    share: float
    baseline: float | None
    scored: int
    negative: int
    topics: list[tuple[str, int]]
    window_minutes: int
    baseline_hours: int

    def text(self) -> str:
        base = f"{self.baseline:.0%}" if self.baseline is not None else "no messages"
        top = ", ".join(f"{topic} ({n})" for topic, n in self.topics[:3])
        return (
            f":rotating_light: Customers are unhappy: {self.negative} of the last {self.scored} customer "
            f"messages in {self.window_minutes} min were negative ({self.share:.0%}), against {base} "
            f"over the {self.baseline_hours} h before. Top topics: {top}."
        )


def _bucket(now: datetime, window: timedelta) -> datetime:
    """The start of the fixed window ``now`` falls in (the alerts' unique key)."""
    seconds = int(window.total_seconds())
    stamp = int(now.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, tz=UTC)


def surging(share: float | None, baseline: float | None, *, ratio: float) -> bool:
    if share is None:
        return False
    floor = max(baseline or 0.0, BASELINE_FLOOR)
    return share >= ratio * floor and share - (baseline or 0.0) >= MIN_RISE


def check_surge(sessions: Sessions, settings: Settings, *, now: datetime | None = None) -> Surge | None:
    """A surge not alerted yet: claimed (stored) for the caller to post; None otherwise."""
    if not settings.alert_channel:
        return None
    now = now or utcnow()
    window = timedelta(minutes=settings.alert_window_minutes)
    with transaction(sessions) as s:
        recent = store.window_mood(s, start=now - window, end=now + timedelta(seconds=1))
        if recent.scored < settings.alert_min_messages or not recent.negative:
            return None
        before = store.window_mood(
            s, start=now - window - timedelta(hours=settings.alert_baseline_hours), end=now - window
        )
        share, baseline = recent.negative_share, before.negative_share
        if not surging(share, baseline, ratio=settings.alert_ratio):
            return None
        topics = [(topic or GENERAL, n) for topic, n in recent.negative_topics]
        topic = topics[0][0]
        if store.alerted_since(s, topic=topic, since=now - window):
            return None
        alert = store.claim_alert(
            s,
            window_start=_bucket(now, window),
            topic=topic,
            negative_share=share or 0.0,
            baseline_share=baseline,
            messages=recent.scored,
            detail={"negative": recent.negative, "topics": topics},
        )
        if alert is None:
            return None
        return Surge(
            alert_id=alert.id,
            topic=topic,
            share=share or 0.0,
            baseline=baseline,
            scored=recent.scored,
            negative=recent.negative,
            topics=topics,
            window_minutes=settings.alert_window_minutes,
            baseline_hours=settings.alert_baseline_hours,
        )


def note_posted(sessions: Sessions, *, alert_id: int, channel: str, ts: str | None) -> None:
    with transaction(sessions) as s:
        store.note_alert_posted(s, alert_id=alert_id, channel=channel, ts=ts)
