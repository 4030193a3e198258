"""The conversation list's filters, from the web form or the command line, checked once."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Path

from core.errors import InvalidInput
from core.models import ConversationStatus
from review.durations import end_of_day, parse_since

# A row id in a URL: a positive 64-bit integer (PostgreSQL's BIGINT, SQLite's INTEGER). A larger
# number is no row; checked here, it is a 404 rather than a database overflow (a 500).
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

STATUSES = [s.value for s in ConversationStatus]
RATINGS = {"up": 1, "down": -1, "none": None}
FORM_FIELDS = ("channel", "user", "since", "until", "status", "rating", "model_version", "q")


@dataclass(frozen=True)
class ListFilters:
    """What the admin typed (kept as text for the form) and what the store is asked."""

    channel: str = ""
    user: str = ""
    since: str = ""
    until: str = ""
    status: str = ""
    rating: str = ""
    model_version: str = ""
    q: str = ""

    @classmethod
    def from_mapping(cls, values: Any) -> ListFilters:
        return cls(**{name: str(values.get(name) or "").strip() for name in FORM_FIELDS})

    def __post_init__(self) -> None:
        if self.status and self.status not in STATUSES:
            raise InvalidInput(f"status {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.rating and self.rating not in RATINGS:
            raise InvalidInput(f"rating {self.rating!r} is not one of up, down, none")

    def store_kwargs(self, *, now: datetime | None = None) -> dict[str, Any]:
        """Keyword arguments for ``store.list_conversations`` / ``count_conversations``."""
        return {
            "channel": self.channel or None,
            "user": self.user or None,
            "since": parse_since(self.since, now=now) if self.since else None,
            "until": end_of_day(self.until) if self.until else None,
            "status": self.status or None,
            "rating": self.rating or None,
            "model_version": self.model_version or None,
            "query": self.q or None,
        }

    @property
    def active(self) -> bool:
        return any(asdict(self).values())

    def query_string(self, **extra: Any) -> str:
        """The filters (and ``extra``, e.g. a page) as a URL query, empty values left out."""
        values = {**asdict(self), **extra}
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})
