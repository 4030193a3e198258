"""How the bot is doing over a period: the review app's Analytics page, `supportbot stats` and
``/api/analytics`` all read this one report.

Every figure comes from the database. The period is the last ``days`` UTC days, today included.
A conversation counts on the day it started, under the model version of its last bot reply.

- **Automated resolution rate** (after Intercom Fin's "resolution": the customer left satisfied
  without a human) = resolved / settled. A conversation is *settled* when the bot replied in it
  and it started at least ``window`` (24 h) ago; younger ones are *pending* and count neither way.
  A settled conversation is *resolved by the bot* when

  1. no human was ever involved: never handed over (no hand-over reason or state, never
     escalated, no reply with the outcome handover), no agent posted, claimed it or made the bot
     go quiet (``bot_quiet_since``);
  2. none of its replies got a 👎;
  3. within the window the customer did not come back: no customer turn more than
     ``reopen_after`` (30 min) after the bot's reply before it (a quicker one is the same exchange
     going on, and the bot answered it), and no customer turn left without a reply.

  A customer writing in the same thread after the window is a new matter, not a reopening.
- **Deflection rate** = conversations the bot replied in that never reached a human (1. above) /
  all conversations. It is counted as things stand now, pending ones included.
- **Hand-over rate** = conversations handed over / all conversations; **reasons**: the hand-overs
  by ``HandoverReason`` (``unrecorded``: handed over without a reason, e.g. before reasons were
  kept). A human joining without a hand-over lowers deflection but is no hand-over.
- **CSAT**: the 1–5 ratings customers gave when an agent resolved their hand-over: their mean,
  the share of 4 and 5, how many.
- **Sentiment**: the scored customer turns of each day by label (shares), and their mean
  frustration (0–1); turns count on their own day.
- **👍 rate** = 👍 / (👍 + 👎) on the replies written in the period, by the reply's day and version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core.enums import HandoverReason
from supportbot.core.store.analytics import analytics_tallies
from supportbot.core.store.analytics_tally import SENTIMENTS, UNRECORDED, Tally, total

DEFAULT_DAYS = 30
DEFAULT_WINDOW = timedelta(hours=24)
DEFAULT_REOPEN_AFTER = timedelta(minutes=30)
MAX_DAYS = 366
# Every reason a hand-over can have, in the order the page lists them.
REASONS = [r.value for r in HandoverReason] + [UNRECORDED]


@dataclass(frozen=True)
class AnalyticsReport:
    start: datetime  # the first day's midnight, UTC
    now: datetime
    days: int
    window: timedelta
    reopen_after: timedelta
    total: Tally
    by_day: list[tuple[date, Tally]]  # every day of the period, oldest first (zeros included)
    by_version: list[tuple[str | None, Tally]]  # most conversations first; None: no version known


def period_start(now: datetime, days: int) -> datetime:
    first = (now.astimezone(UTC) - timedelta(days=days - 1)).date()
    return datetime(first.year, first.month, first.day, tzinfo=UTC)


def analytics_report(
    sessions: sessionmaker[Session],
    *,
    days: int = DEFAULT_DAYS,
    window: timedelta = DEFAULT_WINDOW,
    reopen_after: timedelta = DEFAULT_REOPEN_AFTER,
    now: datetime | None = None,
) -> AnalyticsReport:
    """The figures of the last ``days`` days (see the module's docstring for what each means)."""
    from supportbot.core.errors import InvalidInput

    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days: from 1 to {MAX_DAYS}, not {days}")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    start = period_start(now, days)
    with sessions() as s:
        tallies = analytics_tallies(s, start=start, now=now, window=window, reopen_after=reopen_after)
    days_list = [start.date() + timedelta(days=i) for i in range(days)]
    by_day = {d: Tally() for d in days_list}
    by_version: dict[str | None, Tally] = {}
    for (day, version), tally in tallies.items():
        by_day.setdefault(day, Tally()).add(tally)
        by_version.setdefault(version, Tally()).add(tally)
    versions = sorted(by_version.items(), key=lambda kv: (-kv[1].conversations, kv[0] is None, kv[0] or ""))
    return AnalyticsReport(
        start=start,
        now=now,
        days=days,
        window=window,
        reopen_after=reopen_after,
        total=total(tallies.values()),
        by_day=[(d, by_day[d]) for d in days_list],
        by_version=versions,
    )


def _rate(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def tally_json(t: Tally) -> dict[str, Any]:
    """A tally's counts and rates, as the JSON outputs carry them."""
    return {
        "conversations": t.conversations,
        "bot_replied": t.bot_replied,
        "automated_resolution": {
            "rate": _rate(t.resolution_rate),
            "resolved": t.resolved,
            "settled": t.settled,
            "pending": t.pending,
        },
        "deflection": {"rate": _rate(t.deflection_rate), "deflected": t.deflected},
        "handover": {
            "rate": _rate(t.handover_rate),
            "handed_over": t.handed_over,
            "reached_human": t.reached_human,
            "reasons": {r: t.reasons.get(r, 0) for r in REASONS}
            | {r: n for r, n in sorted(t.reasons.items()) if r not in REASONS},
        },
        "csat": {
            "mean": _rate(t.csat_mean),
            "good_share": _rate(t.csat_good_share),
            "count": t.csat_count,
        },
        "sentiment": {
            "turns": t.scored_turns,
            "counts": {label: t.sentiment.get(label, 0) for label in SENTIMENTS},
            "shares": {label: _rate(t.sentiment_share(label)) for label in SENTIMENTS},
            "mean_frustration": _rate(t.mean_frustration),
        },
        "feedback": {"up": t.up, "down": t.down, "up_rate": _rate(t.up_rate)},
    }


def report_json(report: AnalyticsReport) -> dict[str, Any]:
    return {
        "period": {
            "days": report.days,
            "start": report.start.isoformat(),
            "now": report.now.isoformat(),
            "window_hours": report.window.total_seconds() / 3600,
            "reopen_after_minutes": report.reopen_after.total_seconds() / 60,
        },
        "total": tally_json(report.total),
        "by_day": [{"day": d.isoformat(), **tally_json(t)} for d, t in report.by_day],
        "by_version": [{"model_version": v, **tally_json(t)} for v, t in report.by_version],
    }
