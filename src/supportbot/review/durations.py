"""Points in time from the command line and the filter form: ``7d``, ``24h``, ``30m`` or a date."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from supportbot.core.errors import InvalidInput

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str, *, now: datetime | None = None) -> datetime:
    """``7d`` (ago), ``24h``, ``30m``, ``2w``, or an ISO date/datetime (UTC unless it says otherwise)."""
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        return now - timedelta(**{_UNITS[unit]: amount})
    return parse_when(value)


def parse_when(value: str) -> datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a duration (7d, 24h, 30m) or a date (2026-11-01, 2026-11-01T09:30)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def end_of_day(value: str) -> datetime:
    """An ``until`` date includes its whole day; a datetime is taken as it is."""
    moment = parse_when(value)
    if len(value.strip()) == 10:
        return moment + timedelta(days=1)
    return moment
