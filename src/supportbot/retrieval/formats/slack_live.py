"""A Slack support channel's history fetched through the Web API, read as the export is.

``conversations.history`` (newest first, a page at a time: ``has_more`` and
``response_metadata.next_cursor``), then ``conversations.replies`` of each message that has
replies. The messages go through ``slack_export``'s ``message`` and ``threads``, so a fetched
thread becomes the ticket its export would: bots' messages and channel events dropped, a thread no
agent answered skipped. External ids are ``slack-<channel id>-<thread ts>``: fetching the channel
again updates its threads. (An export names the channel by its folder, the channel's name, so the
two do not meet.)

A message has no file line here: its position in the fetch is its line, and its channel and ts
name it in errors and skips (``#C0123ABCD ts 1709251300.000200:7: ...``). Every channel is
fetched before anything is returned, so a channel Slack refuses stops the import before the
first write. The client comes from the caller (``usecases.notify.slack_client``: the bot token,
the configured API URL, retries after ``ratelimited`` as Retry-After says). Scopes:
``channels:history``, and ``groups:history`` for private channels; the bot must be a member.

A channel is given by its id (``C0123ABCD``) or its name (``#support``): names are looked up with
``conversations.list`` (scope ``channels:read``, ``groups:read`` for private channels), archived
channels left out. Slack's ids are upper case with digits and its names lower case, so a bare
word is an id when it reads as one (``c0123abcd`` too) and a name otherwise; ``#`` always names.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from supportbot.core.errors import ConfigError, InvalidInput, SupportbotError
from supportbot.retrieval.dates import parse_when
from supportbot.retrieval.formats.slack_export import Message, message, threads
from supportbot.retrieval.sources import FieldMap, Record, RowError, Skipped, text_value

if TYPE_CHECKING:
    from slack_sdk import WebClient

PAGE = 200  # messages a page (Slack: at most 999 for history, 1000 for replies)
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_TOKEN_ERRORS = ("not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired")
_CHANNEL_ERRORS = ("channel_not_found", "not_in_channel", "is_archived")
_HINTS = {
    "channel_not_found": "a channel id such as C0123ABCD, of a channel the bot can see",
    "not_in_channel": "invite the bot to it first: /invite @supportbot",
    "ratelimited": "Slack still limits the rate after the retries; try again later",
}


def channel_ids(given: Sequence[str]) -> list[str]:
    """The channel ids asked for, each once (InvalidInput for a name or a malformed id)."""
    ids = [c.strip().upper() for c in given]
    for channel in ids:
        if not _CHANNEL_ID.fullmatch(channel):
            raise InvalidInput(
                f"--slack-channel {channel!r}: a channel id such as C0123ABCD (the channel's "
                "details show it), not a name"
            )
    return list(dict.fromkeys(ids))


def is_channel_id(value: str) -> bool:
    """Whether ``value`` names a channel by id (else by name): see the module's docstring."""
    value = value.strip()
    if value.startswith("#"):
        return False
    return bool(_CHANNEL_ID.fullmatch(value)) or (
        bool(_CHANNEL_ID.fullmatch(value.upper())) and any(c.isdigit() for c in value)
    )


def resolve_channels(client: WebClient, given: Sequence[str]) -> list[str]:
    """The ids of the channels asked for, each once, in the order given: ids as they are, names
    looked up in the channels the bot can see (one ``conversations.list`` walk, only when a name
    is given). InvalidInput names a name no channel has; ConfigError a missing scope."""
    names = {g.strip().lstrip("#").lower() for g in given if not is_channel_id(g)}
    known = _channels_by_name(client) if names else {}
    ids = []
    for g in given:
        if is_channel_id(g):
            ids.append(g.strip().upper())
            continue
        name = g.strip().lstrip("#").lower()
        if name not in known:
            raise InvalidInput(
                f"--slack-channel '#{name}': no channel of that name that the bot can see "
                "(not archived; a private one needs the bot invited), or give its id (C0123ABCD)"
            )
        ids.append(known[name])
    return channel_ids(ids)


def _channels_by_name(client: WebClient) -> dict[str, str]:
    """Every unarchived channel the token can list: name → id."""
    from slack_sdk.errors import SlackApiError

    found: dict[str, str] = {}
    cursor = None
    while True:
        try:
            page = client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=PAGE, cursor=cursor
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
            if error in _TOKEN_ERRORS:
                raise ConfigError(f"Slack refused the bot token (SLACK_BOT_TOKEN): {error}") from None
            if error == "missing_scope":
                raise ConfigError(
                    "finding a channel by name needs the bot scope channels:read (groups:read for "
                    "private channels): add it and reinstall the app, or give the channel's id"
                ) from None
            raise SupportbotError(f"Slack could not list the channels: {error}") from None
        except OSError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise SupportbotError(f"cannot reach the Slack API to list the channels: {reason}") from None
        for channel in page.get("channels") or []:
            if isinstance(channel, dict) and channel.get("name") and channel.get("id"):
                found.setdefault(str(channel["name"]).lower(), str(channel["id"]))
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return found


def agent_user_ids(given: Sequence[str]) -> set[str]:
    """The ``--agent`` users as Slack user ids: a live fetch reads no users list to find names in."""
    ids = {a.strip().lstrip("@").upper() for a in given if a.strip()}
    for agent in sorted(ids):
        if not _USER_ID.fullmatch(agent):
            raise InvalidInput(
                f"--agent {agent!r}: a live fetch knows agents by their Slack user ids (U0123ABCD), "
                "not by name"
            )
    return ids


def oldest_ts(value: str | None) -> str | None:
    """``--oldest`` (a date, ISO 8601 or Unix time) as the ts Slack's ``oldest`` takes."""
    if value is None:
        return None
    moment = parse_when(value)
    if moment is None:
        raise InvalidInput(f"--oldest {value!r}: a date (2024-01-01, ISO 8601) or Unix time")
    return f"{moment.timestamp():.6f}"


def read_channels(
    client: WebClient,
    channels: Sequence[str],
    *,
    fields: FieldMap = FieldMap(),
    oldest: str | None = None,
    progress: bool = False,
    page_size: int = PAGE,
) -> list[Record | RowError | Skipped]:
    """Every thread of ``channels`` (ids or names; started at ``oldest`` or later: a date) as a
    ticket, a skip or an error. A refusal by Slack is a ConfigError (the token) or InvalidInput naming the channel."""
    from supportbot.retrieval.formats import check_options

    check_options("slack", fields)
    agents = agent_user_ids(fields.agents)
    ids = resolve_channels(client, channels)
    since = oldest_ts(oldest)
    found: list[Message | RowError] = []
    with _bar(progress) as bar:
        for channel in ids:
            found += _channel(client, channel, oldest=since, page_size=page_size, bar=bar)
    return list(threads(found, agents))


def _channel(
    client: WebClient, channel: str, *, oldest: str | None, page_size: int, bar: Any
) -> list[Message | RowError]:
    out: list[Message | RowError] = []

    def add(raw: Any) -> None:
        ts = text_value(raw.get("ts")) if isinstance(raw, dict) else None
        where = f"#{channel} ts {ts}" if ts else f"#{channel}"
        out.append(message(raw, channel=channel, line=len(out) + 1, file=where))

    def history(cursor: str | None) -> Any:
        return client.conversations_history(
            channel=channel, limit=page_size, cursor=cursor, oldest=oldest, inclusive=bool(oldest) or None
        )

    for page in _pages(channel, history):
        bar.total += len(page)
        bar.refresh()
        for raw in page:
            add(raw)
            if _has_replies(raw):
                for reply in _replies(client, channel, raw["ts"], page_size=page_size):
                    add(reply)
            bar.update(1)
    return out


def _replies(client: WebClient, channel: str, ts: str, *, page_size: int) -> Iterator[Any]:
    """A thread's replies (Slack gives its parent first, again: left out)."""

    def replies(cursor: str | None) -> Any:
        return client.conversations_replies(channel=channel, ts=ts, limit=page_size, cursor=cursor)

    for page in _pages(channel, replies):
        yield from (r for r in page if not (isinstance(r, dict) and r.get("ts") == ts))


def _has_replies(raw: Any) -> bool:
    if not isinstance(raw, dict) or not isinstance(raw.get("ts"), str):
        return False
    parent = text_value(raw.get("thread_ts")) in (None, raw["ts"])
    return parent and bool(raw.get("reply_count") or raw.get("latest_reply"))


def _pages(channel: str, call: Callable[[str | None], Any]) -> Iterator[list[Any]]:
    """The messages of each page, following the cursor while Slack says there is more."""
    cursor = None
    while True:
        page = _answer(channel, call, cursor)
        messages = page.get("messages")
        yield messages if isinstance(messages, list) else []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return


def _answer(channel: str, call: Callable[[str | None], Any], cursor: str | None) -> Any:
    """A Web API call's response; Slack's refusal or an unreachable API as one clear error."""
    from slack_sdk.errors import SlackApiError

    try:
        return call(cursor)
    except SlackApiError as exc:
        raise _refusal(channel, exc.response) from None
    except OSError as exc:  # urllib's URLError, a timeout: after slack_sdk's own retries
        reason = getattr(exc, "reason", None) or exc
        raise SupportbotError(f"cannot reach the Slack API to read channel {channel}: {reason}") from None


def _refusal(channel: str, response: Any) -> SupportbotError:
    error = str(response.get("error") or f"HTTP {response.status_code}")
    if error in _TOKEN_ERRORS:
        return ConfigError(f"Slack refused the bot token (SLACK_BOT_TOKEN): {error}")
    if error == "missing_scope":
        needed = response.get("needed") or "channels:history, groups:history"
        return ConfigError(
            f"the bot token may not read channel {channel}'s history (missing_scope: add {needed} "
            "to the app's bot scopes and reinstall it)"
        )
    hint = _HINTS.get(error)
    text = f"Slack channel {channel}: {error}" + (f" ({hint})" if hint else "")
    # The channel named is the user's to fix; anything else (a rate limit outlasted) is Slack's.
    return InvalidInput(text) if error in _CHANNEL_ERRORS else SupportbotError(text)


def _bar(progress: bool) -> Any:
    """A bar over the threads fetched, to stderr; its total grows with each page of history."""
    from tqdm import tqdm

    return tqdm(
        total=0, unit=" threads", desc="Slack", file=sys.stderr, disable=not progress, dynamic_ncols=True
    )
