"""Per-channel settings: answer every message or only mentions, the ticket categories searched,
the group tagged on a hand-over, private answers. A channel without a row has the defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from supportbot.core.enums import AnswerMode
from supportbot.core.errors import InvalidInput
from supportbot.core.models import ChannelSettings, utcnow

# The fields `set_channel_setting` changes.
FIELDS = ("answer_mode", "categories", "handover_group", "private")


@dataclass(frozen=True)
class ChannelConfig:
    """One channel's settings as plain values (the defaults where nothing was set)."""

    team: str
    channel: str
    answer_mode: AnswerMode = AnswerMode.mentions
    categories: tuple[str, ...] = ()  # empty: every category
    handover_group: str | None = None  # None: the global SUPPORTBOT_SUPPORT_GROUP_ID
    private: bool = False
    updated_at: datetime | None = None
    updated_by: str | None = None

    @classmethod
    def of(cls, row: ChannelSettings) -> ChannelConfig:
        return cls(
            team=row.team,
            channel=row.channel,
            answer_mode=AnswerMode(row.answer_mode),
            categories=tuple(row.categories or ()),
            handover_group=row.handover_group,
            private=bool(row.private),
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )


def _key(team: str | None, channel: str) -> dict[str, str]:
    # A DM or a local chat may come without a team: "" keeps the unique key a key.
    return {"team": team or "", "channel": channel}


def get_channel_settings(session: Session, *, team: str | None, channel: str) -> ChannelConfig:
    """The channel's settings; the defaults when no admin set any."""
    row = session.scalars(select(ChannelSettings).filter_by(**_key(team, channel))).first()
    return ChannelConfig.of(row) if row is not None else ChannelConfig(team=team or "", channel=channel)


def _checked(field: str, value: Any) -> Any:
    if field == "answer_mode":
        return AnswerMode(value)
    if field == "categories":
        if not isinstance(value, list | tuple) or not all(isinstance(c, str) and c for c in value):
            raise InvalidInput("categories is a list of category names")
        return sorted(set(value))
    if field == "handover_group":
        if value is not None and not isinstance(value, str):
            raise InvalidInput("handover_group is a Slack user group id or None")
        return value
    if field == "private":
        return bool(value)
    raise InvalidInput(f"unknown channel setting {field!r} (one of {', '.join(FIELDS)})")


def set_channel_setting(
    session: Session, *, team: str | None, channel: str, field: str, value: Any, actor: str
) -> ChannelConfig:
    """Set one field of the channel's settings (creating its row once, even under races)."""
    checked = _checked(field, value)
    key = _key(team, channel)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    defaults = ChannelConfig(team=key["team"], channel=channel)
    session.execute(
        insert(ChannelSettings)
        .values(
            **key,
            answer_mode=defaults.answer_mode.value,
            categories=[],
            handover_group=None,
            private=False,
            updated_at=utcnow(),
            updated_by=actor,
        )
        .on_conflict_do_nothing()
    )
    row = session.scalars(select(ChannelSettings).filter_by(**key)).one()
    setattr(row, field, checked)
    row.updated_at = utcnow()
    row.updated_by = actor
    session.flush()
    return ChannelConfig.of(row)


def list_channel_settings(session: Session) -> list[ChannelConfig]:
    """Every channel an admin configured, by team and channel."""
    rows = session.scalars(select(ChannelSettings).order_by(ChannelSettings.team, ChannelSettings.channel))
    return [ChannelConfig.of(row) for row in rows]
