"""Which conversations a list, a count or a benchmark asks for: one value, turned into SQL once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnClause, ColumnElement, exists, func, literal_column

from supportbot.core.enums import ConversationStatus, Rating
from supportbot.core.models import Conversation, Message


@dataclass(frozen=True)
class ConversationFilter:
    """Conversations matching all of the fields given (None: any).

    ``since``/``until`` bound the last activity (``until`` excluded); ``rating`` is the latest 👍/👎,
    ``unrated`` asks for conversations without one; ``model_version`` matches a conversation
    answered at least once by that version; ``query`` searches the text of its messages.
    """

    channel: str | None = None
    user: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    status: ConversationStatus | None = None
    rating: Rating | None = None
    unrated: bool = False
    model_version: str | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        # Plain strings are accepted (and checked) where an enum is meant: the values are the same.
        if self.status is not None:
            object.__setattr__(self, "status", ConversationStatus(self.status))
        if self.rating is not None:
            object.__setattr__(self, "rating", Rating(self.rating))
        if self.rating is not None and self.unrated:
            raise ValueError("a conversation cannot be rated and unrated at once")

    @property
    def looks_into_messages(self) -> bool:
        """True when matching reads the messages (text, model version), not only the conversation row:
        such a count touches every matching message instead of an index."""
        return bool((self.query and self.query.strip()) or self.model_version)

    def conditions(self, dialect: str) -> list[ColumnElement[bool]]:
        """The WHERE clauses on ``Conversation`` (``dialect``: the database's, for the text search)."""
        where: list[ColumnElement[bool]] = []
        if self.channel:
            where.append(Conversation.slack_channel == self.channel)
        if self.user:
            where.append(Conversation.slack_user == self.user)
        if self.since:
            where.append(Conversation.updated_at >= self.since)
        if self.until:
            where.append(Conversation.updated_at < self.until)
        if self.status is not None:
            where.append(Conversation.status == self.status)
        if self.rating is not None:
            where.append(Conversation.rating == self.rating.score)
        if self.unrated:
            where.append(Conversation.rating.is_(None))
        if self.model_version:
            where.append(
                exists().where(
                    Message.conversation_id == Conversation.id, Message.model_version == self.model_version
                )
            )
        if self.query and self.query.strip():
            where.append(
                exists().where(Message.conversation_id == Conversation.id, text_match(self.query, dialect))
            )
        return where


def text_match(query: str, dialect: str) -> ColumnElement[bool]:
    """Messages whose text contains ``query``: full-text on PostgreSQL, a substring elsewhere."""
    if dialect == "postgresql":
        # Uses the GIN full-text index on messages.text (migration 0002): the expression must stay
        # the one the index was made on. A literal config (not a bound parameter) so that the
        # planner matches the index expression.
        config: ColumnClause[Any] = literal_column("'simple'::regconfig")
        return func.to_tsvector(config, Message.text).op("@@")(func.plainto_tsquery(config, query))
    pattern = "%" + query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return Message.text.ilike(pattern, escape="\\")
