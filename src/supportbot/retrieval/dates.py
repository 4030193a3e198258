"""When a past ticket was opened, read from an export's date field.

Retrieval orders a request's tickets by it ("the newest answer wins", ``retrieval.requests``), so a
ticket keeps the date its export gives rather than the day it was imported. Exports write dates
as ISO 8601 (``2024-03-01T10:00:00Z``, ``2024-03-01 10:00``, ``2024-03-01``) or as Unix time
(Intercom: seconds; some exports milliseconds). A date without a zone is taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# Column names an export's creation date goes by, tried in order when none is named.
CREATED_FIELDS = ("created_at", "created", "creation_date", "date_created", "opened_at", "date")
# Unix time above this is in milliseconds (this many seconds is the year 5138).
MILLISECONDS_FROM = 100_000_000_000


def parse_when(value: Any) -> datetime | None:
    """The moment ``value`` names, in UTC; None for nothing or anything not a date."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _epoch(float(value))
    text = str(value).strip()
    if not text:
        return None
    try:
        return _epoch(float(text))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _epoch(seconds: float) -> datetime | None:
    if seconds <= 0:
        return None
    if seconds >= MILLISECONDS_FROM:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
