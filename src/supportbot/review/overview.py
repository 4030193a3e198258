"""What the overview page shows: traffic per day, outcomes, 👍 rate per model version, jobs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from supportbot.core import store
from supportbot.core.enums import ConversationStatus
from supportbot.review.charts import Series, rate_bars, stacked_bars

DAYS = 30
# Bottom to top in the stacked bars (the stylesheet's class for each is ``bar-<status>``): the
# settled ones first, what is still open on top.
CHART_ORDER = [
    ConversationStatus.answered,
    ConversationStatus.resolved,
    ConversationStatus.escalated,
    ConversationStatus.open,
]
# The order of the table under the chart.
TABLE_ORDER = [
    ConversationStatus.answered,
    ConversationStatus.escalated,
    ConversationStatus.resolved,
    ConversationStatus.open,
]
SETTLED = [ConversationStatus.answered, ConversationStatus.resolved, ConversationStatus.escalated]


def collect(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    per_day = store.conversations_per_day(session, days=DAYS, now=now)
    totals = store.status_totals(session)
    ratings = store.rating_by_version(session)
    versions = {v.name: v for v in store.list_model_versions(session)}
    recent = {s.value: sum(d.counts[s.value] for d in per_day) for s in ConversationStatus}
    settled = sum(recent[s.value] for s in SETTLED)
    up = sum(r.up for r in ratings)
    rated = sum(r.rated for r in ratings)
    return {
        "days": DAYS,
        "per_day": per_day,
        "totals": totals,
        "total": sum(totals.values()),
        "recent": recent,
        "recent_total": sum(recent.values()),
        "escalated_share": recent[ConversationStatus.escalated.value] / settled if settled else None,
        "ratings": ratings,
        "up_rate": up / rated if rated else None,
        "rated": rated,
        "versions": versions,
        "approved": store.approved_total(session),
        "jobs": store.list_jobs(session, limit=10),
        "chart_order": [s.value for s in CHART_ORDER],
        "table_order": [s.value for s in TABLE_ORDER],
    }


def charts(data: dict[str, Any]) -> dict[str, Any]:
    per_day = data["per_day"]
    return {
        "per_day": stacked_bars(
            [d.day.strftime("%m-%d") for d in per_day],
            [Series(s.value, f"bar-{s.value}", [d.counts[s.value] for d in per_day]) for s in CHART_ORDER],
            title=f"Conversations per day, last {data['days']} days, by status",
        ),
        "ratings": rate_bars(
            [(r.version, r.up, r.rated) for r in data["ratings"]], title="👍 rate per model version"
        ),
    }


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    """The overview's numbers for the JSON API."""
    return {
        "total": data["total"],
        "by_status": data["totals"],
        "approved": data["approved"],
        "per_day": [{"day": d.day.isoformat(), **d.counts} for d in data["per_day"]],
        "ratings": [
            {"model_version": r.version, "up": r.up, "down": r.down, "up_rate": r.up_rate}
            for r in data["ratings"]
        ],
        "jobs": [
            {
                "id": j.id,
                "status": j.status.value,
                "progress": j.progress,
                "requested_by": j.requested_by,
                "created_at": j.created_at.isoformat(),
                "finished_at": j.finished_at.isoformat() if j.finished_at else None,
                "error": j.error,
            }
            for j in data["jobs"]
        ],
    }
