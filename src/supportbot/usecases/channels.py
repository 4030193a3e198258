"""Per-channel settings, set by admins: answer every new message or only mentions, the ticket
categories to search, the user group tagged on a hand-over, private (ephemeral) answers.

Values arrive as the words an admin typed (``/supportbot channel mode all``) and are checked
here, so every entry point refuses the same mistakes with the same message. Each change is
audited.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import AnswerMode
from supportbot.core.errors import InvalidInput
from supportbot.core.store import ChannelConfig

Sessions = sessionmaker[Session]

# A Slack user group id: "S" and upper-case letters and digits.
GROUP_ID = re.compile(r"^S[A-Z0-9]{2,31}$")
ON, OFF = {"on", "yes", "true", "1"}, {"off", "no", "false", "0"}
# The setting's name as an admin types it, and its field.
SETTINGS = {
    "mode": "answer_mode",
    "categories": "categories",
    "group": "handover_group",
    "private": "private",
}


def channel_settings(sessions: Sessions, *, team: str | None, channel: str) -> ChannelConfig:
    """The channel's settings (the defaults where none were set)."""
    with sessions() as s:
        return store.get_channel_settings(s, team=team, channel=channel)


def all_channel_settings(sessions: Sessions) -> list[ChannelConfig]:
    """Every configured channel, for the review app."""
    with sessions() as s:
        return store.list_channel_settings(s)


def known_categories(session: Session) -> list[str]:
    return [name for name, _ in store.ticket_categories(session)]


def _mode(value: str) -> AnswerMode:
    try:
        return AnswerMode(value.lower())
    except ValueError:
        raise InvalidInput(f"mode is `all` or `mentions`, not `{value}`") from None


def _categories(session: Session, value: str) -> list[str]:
    if value.strip().lower() == "all":
        return []
    wanted = [c.strip() for c in value.split(",") if c.strip()]
    if not wanted:
        raise InvalidInput("name the categories, separated by commas, or `all`")
    known = known_categories(session)
    by_lower = {k.lower(): k for k in known}
    unknown = [c for c in wanted if c.lower() not in by_lower]
    if unknown:
        listed = ", ".join(known) if known else "none: the tickets have no categories"
        raise InvalidInput(
            f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; known: {listed}"
        )
    return [by_lower[c.lower()] for c in wanted]


def _group(value: str) -> str | None:
    if value.lower() == "default":
        return None
    # Slack sends a mention of a group as <!subteam^S123|@name>: the id is what counts.
    found = re.fullmatch(r"<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>", value)
    group = found.group(1) if found else value
    if not GROUP_ID.match(group):
        raise InvalidInput(f"a user group id looks like S0123ABCD, not `{value}` (or use `default`)")
    return group


def _private(value: str) -> bool:
    word = value.lower()
    if word not in ON | OFF:
        raise InvalidInput(f"private is `on` or `off`, not `{value}`")
    return word in ON


def set_channel_setting(
    sessions: Sessions, *, team: str | None, channel: str, name: str, value: str, actor: str
) -> ChannelConfig:
    """Set the channel's ``name`` (mode | categories | group | private) to the typed ``value``;
    InvalidInput with a clear message when either is wrong. Audited."""
    field = SETTINGS.get(name.lower())
    if field is None:
        raise InvalidInput(f"unknown setting `{name}` (one of {', '.join(SETTINGS)})")
    value = value.strip()
    with transaction(sessions) as s:
        parsed: object
        if field == "answer_mode":
            parsed = _mode(value)
        elif field == "categories":
            parsed = _categories(s, value)
        elif field == "handover_group":
            parsed = _group(value)
        else:
            parsed = _private(value)
        config = store.set_channel_setting(
            s, team=team, channel=channel, field=field, value=parsed, actor=actor
        )
        store.audit(
            s,
            actor=actor,
            action="channel.setting",
            detail={"team": team, "channel": channel, "setting": field, "value": _shown(parsed)},
        )
        return config


def _shown(value: object) -> object:
    return value.value if isinstance(value, AnswerMode) else value
