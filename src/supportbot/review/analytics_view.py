"""What the Analytics and Content gaps pages show: the report's charts, and the links that turn a
gap into a pre-filled new-ticket form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from supportbot.core.store.analytics_tally import SENTIMENTS
from supportbot.review.charts import Line, Series, count_bars, rate_lines, stacked_bars
from supportbot.usecases.analytics import REASONS, AnalyticsReport
from supportbot.usecases.content_gaps import Gap

# The day's rates drawn as lines (the stylesheet's class for each is ``line-<name>``).
RATE_LINES = [
    ("resolution", "automated resolution", "resolution_rate"),
    ("deflection", "deflection", "deflection_rate"),
    ("handover", "hand-over", "handover_rate"),
]
REASON_LABELS = {
    "asked": "asked for a human",
    "repeated_ask": "asked again, in words",
    "gate": "not sure of its answer",
    "frustration": "frustration",
    "topic": "a human's topic",
    "unrecorded": "unrecorded",
}
PERIODS = [7, 30, 90]


def charts(report: AnalyticsReport) -> dict[str, Any]:
    labels = [d.strftime("%m-%d") for d, _ in report.by_day]
    every = max(1, len(labels) // 6)
    total = report.total
    reasons = [(REASON_LABELS.get(r, r), total.reasons.get(r, 0)) for r in REASONS]
    reasons += [(r, n) for r, n in sorted(total.reasons.items()) if r not in REASONS]
    return {
        "rates": rate_lines(
            labels,
            [
                Line(label, f"line-{name}", [getattr(t, attr) for _, t in report.by_day])
                for name, label, attr in RATE_LINES
            ],
            title=f"Automated resolution, deflection and hand-over rate per day, last {report.days} days",
            label_every=every,
        ),
        "reasons": count_bars(reasons, title="Hand-overs by reason", css_class="bar-reason"),
        "sentiment": stacked_bars(
            labels,
            [
                Series(label, f"bar-{label}", [t.sentiment.get(label, 0) for _, t in report.by_day])
                for label in SENTIMENTS
            ],
            title=f"Customer turns per day by sentiment, last {report.days} days",
            label_every=every,
        ),
    }


def new_ticket_link(gap: Gap) -> str:
    """The new-ticket form, pre-filled with the gap's central question and best agent reply."""
    params: dict[str, str | int] = {
        "question": gap.question,
        "resolution": gap.resolution or "",
        "message": gap.message_id,
    }
    if gap.topic:
        params["category"] = gap.topic
    return "/tickets/new?" + urlencode(params)
