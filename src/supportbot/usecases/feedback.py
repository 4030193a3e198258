"""A customer's 👍 / 👎 on an answer."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.usecases.threads import clicked_reply


def record_feedback(
    sessions: sessionmaker[Session],
    *,
    reply_id: int,
    user: str,
    rating: int,
    shown_in: tuple[str, str] | None = None,
) -> None:
    """Store ``rating`` (+1 / -1) by ``user`` on the reply; a second click replaces the first."""
    with transaction(sessions) as s:
        clicked_reply(s, reply_id=reply_id, shown_in=shown_in)
        store.record_feedback(s, message_id=reply_id, user=user, rating=rating)
