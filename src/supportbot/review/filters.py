"""The conversation list's filters, from the web form or the command line, checked once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from supportbot.core.enums import ConversationStatus, Rating
from supportbot.core.errors import InvalidInput
from supportbot.core.store import ConversationFilter
from supportbot.review.durations import end_of_day, parse_since

STATUSES = [s.value for s in ConversationStatus]
UNRATED = "none"  # the rating filter's word for "not rated"
RATINGS = [*(r.value for r in Rating), UNRATED]


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
    def from_mapping(cls, values: Mapping[str, object]) -> ListFilters:
        """From the form's query parameters (or options of the same names); other keys are ignored."""
        return cls(**{f.name: str(values.get(f.name) or "").strip() for f in fields(cls)})

    def __post_init__(self) -> None:
        if self.status and self.status not in STATUSES:
            raise InvalidInput(f"status {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.rating and self.rating not in RATINGS:
            raise InvalidInput(f"rating {self.rating!r} is not one of {', '.join(RATINGS)}")

    def conversation_filter(self, *, now: datetime | None = None) -> ConversationFilter:
        """What the store is asked (durations such as ``7d`` are counted back from ``now``)."""
        rated = self.rating and self.rating != UNRATED
        return ConversationFilter(
            channel=self.channel or None,
            user=self.user or None,
            since=parse_since(self.since, now=now) if self.since else None,
            until=end_of_day(self.until) if self.until else None,
            status=ConversationStatus(self.status) if self.status else None,
            rating=Rating(self.rating) if rated else None,
            unrated=self.rating == UNRATED,
            model_version=self.model_version or None,
            query=self.q or None,
        )

    @property
    def active(self) -> bool:
        return any(asdict(self).values())

    def query_string(self, **extra: Any) -> str:
        """The filters (and ``extra``, e.g. a page) as a URL query, empty values left out."""
        values = {**asdict(self), **extra}
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})
