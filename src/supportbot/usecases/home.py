"""What the App Home tab shows: for everyone, what the bot can help with; for admins, how it is
doing today (the active model, the index, queued jobs, today's questions and hand-over rate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.enums import JobStatus

Sessions = sessionmaker[Session]
TOP_CATEGORIES = 8


@dataclass(frozen=True)
class HomeNumbers:
    categories: list[str]  # the most common ticket categories, most tickets first
    active_version: str | None
    tickets: int  # in the tickets table
    indexed: int | None  # in the loaded index (None: no index loaded)
    queued_jobs: int
    running_jobs: int
    questions_today: int
    conversations_today: int
    handed_over_today: int

    @property
    def handover_rate_today(self) -> float | None:
        return self.handed_over_today / self.conversations_today if self.conversations_today else None


def start_of_day(now: datetime | None = None) -> datetime:
    """Today's midnight, UTC (the day the review app's charts count in)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def home_numbers(
    sessions: Sessions, *, indexed: int | None = None, now: datetime | None = None
) -> HomeNumbers:
    """Everything the App Home tab shows, in one read. ``indexed``: the loaded index's size."""
    with sessions() as s:
        categories = [name for name, _ in store.ticket_categories(s, limit=TOP_CATEGORIES)]
        active = store.active_model_version(s)
        volume = store.volume_since(s, since=start_of_day(now))
        return HomeNumbers(
            categories=categories,
            active_version=active.name if active else None,
            tickets=store.count_tickets(s),
            indexed=indexed,
            queued_jobs=store.count_jobs(s, status=JobStatus.queued),
            running_jobs=store.count_jobs(s, status=JobStatus.running),
            questions_today=volume.questions,
            conversations_today=volume.conversations,
            handed_over_today=volume.handed_over,
        )
