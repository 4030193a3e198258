"""What the overview page shows: traffic per day, outcomes, 👍 rate per model version, jobs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from core import store
from review import stats
from review.charts import Series, rate_bars, stacked_bars

DAYS = 30
# Bottom to top in the stacked bars, with the stylesheet's class for each.
STATUS_SERIES = [
    ("answered", "bar-answered"),
    ("resolved", "bar-resolved"),
    ("escalated", "bar-escalated"),
    ("open", "bar-open"),
]


def collect(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    per_day = stats.conversations_per_day(session, days=DAYS, now=now)
    totals = stats.status_totals(session)
    ratings = stats.rating_by_version(session)
    versions = {v.name: v for v in store.list_model_versions(session)}
    recent = {s: sum(d.counts[s] for d in per_day) for s in stats.STATUSES}
    settled = recent["answered"] + recent["resolved"] + recent["escalated"]
    up = sum(r.up for r in ratings)
    rated = sum(r.rated for r in ratings)
    return {
        "days": DAYS,
        "per_day": per_day,
        "totals": totals,
        "total": sum(totals.values()),
        "recent": recent,
        "recent_total": sum(recent.values()),
        "escalated_share": recent["escalated"] / settled if settled else None,
        "ratings": ratings,
        "up_rate": up / rated if rated else None,
        "rated": rated,
        "versions": versions,
        "approved": stats.approved_total(session),
        "jobs": store.list_jobs(session, limit=10),
    }


def charts(data: dict[str, Any]) -> dict[str, Any]:
    per_day = data["per_day"]
    return {
        "per_day": stacked_bars(
            [d.day.strftime("%m-%d") for d in per_day],
            [Series(name, css, [d.counts[name] for d in per_day]) for name, css in STATUS_SERIES],
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
