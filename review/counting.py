"""Counting matches without scanning everything for the page.

Filters on the conversation row (channel, user, status, rating, dates) are counted exactly from
their indexes in a few milliseconds. Filters that look into the messages (text search, model
version) make the count touch every matching message: the list page then shows its rows at once
and fetches the count afterwards, capped. To move into core/store as
``count_conversations(..., cap=...)``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Conversation
from core.store.conversations import conversation_filters

COUNT_CAP = 10_000


def count_is_expensive(kwargs: dict[str, Any]) -> bool:
    return bool(kwargs.get("query") or kwargs.get("model_version"))


def count_capped(session: Session, *, cap: int = COUNT_CAP, **filters: Any) -> int:
    """The number of matches, or ``cap + 1`` when there are more than ``cap``."""
    where = conversation_filters(dialect=session.get_bind().dialect.name, **filters)
    inner = select(Conversation.id).where(*where).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def describe_count(count: int, *, cap: int = COUNT_CAP) -> str:
    if count > cap:
        return f"more than {cap:,} conversations"
    return f"{count:,} conversation{'' if count == 1 else 's'}"
