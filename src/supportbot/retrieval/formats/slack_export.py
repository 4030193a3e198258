"""A Slack support channel's history, from files (no Slack call).

Accepted: Slack's workspace export (a folder of channel folders of per-day files such as
``2024-03-01.json``, ``users.json`` beside them; or one channel's folder), or one .json file with a
saved ``conversations.history`` response (``{"messages": [...]}``) and the threads'
``conversations.replies`` (under ``"replies"``: a list of responses or of messages, or a map
thread ts → messages), or simply a list of messages. Each thread becomes a ticket:

- question: the thread's first message, by a customer; its body, the asker's further messages
  before the first reply by an agent.
- resolution: the agents' replies, in order. Agents are the ``--agent`` users (Slack ids, or names
  when users.json is there); without ``--agent``, anyone who replies but the asker.
- dropped: bots' messages (``bot_id``, subtype ``bot_message``, users marked ``is_bot``), joins,
  topic changes and other events; user mentions become "@user", Slack's link markup plain text.
- skipped, not an error: a message that no agent answered in its thread, a thread an agent
  started, replies whose first message is not in the export.

External ids are ``slack-<channel>-<thread ts>``: the channel is the export's folder name (for a
single saved file, the file's name), so a later export of the same channel updates its threads.

The messages of a live fetch (``slack_live.py``) are read by the same ``message`` and ``threads``.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportbot.core.errors import InvalidInput
from supportbot.retrieval.dates import parse_when
from supportbot.retrieval.formats.jsondoc import items, read_doc
from supportbot.retrieval.sources import MAX_EXTERNAL_ID, FieldMap, Record, RowError, Skipped, text_value

KEYS = ("messages", "replies")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TS = re.compile(r"\d+(?:\.\d+)?")
_KEPT_SUBTYPES = (None, "thread_broadcast", "file_share", "me_message")
_LEADING_MENTIONS = re.compile(r"^(?:\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s,:]*)+")
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]+))?>")
_CHANNEL = re.compile(r"<#C[A-Z0-9]+\|([^>]*)>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
NO_REPLY = "no reply by an agent in its thread"
BY_AGENT = "started by an agent"
NO_PARENT = "the thread's first message is not in the export"


@dataclass(frozen=True)
class Message:
    file: str  # where it was read: a file, or a live fetch's channel and ts
    line: int  # its line in the file, or its position in a live fetch
    channel: str
    ts: str
    thread_ts: str
    user: str | None
    text: str
    bot: bool

    @property
    def order(self) -> float:
        return float(self.ts)


@dataclass(frozen=True)
class Users:
    bots: frozenset[str]
    names: dict[str, frozenset[str]]  # id → lowercased names (handle, real and display name)


NO_USERS = Users(frozenset(), {})


def read(path: Path, *, fields: FieldMap, lines: bool = False) -> Iterator[Record | RowError | Skipped]:
    if path.is_dir():
        files = _day_files(path)
        users = _users(path / "users.json") or _users(path.parent / "users.json")
    else:
        files = [(path, path.stem)]
        users = _users(path.parent / "users.json")
    users = users or NO_USERS
    found = (item for file, channel in files for item in _messages(file, channel, users, lines=lines))
    yield from threads(found, agent_ids(fields.agents, users))


def _day_files(root: Path) -> list[tuple[Path, str]]:
    """Every per-day file, with its channel: the folder it is in (the root: a channel's folder)."""
    found = [(p, p.parent.name) for p in sorted(root.rglob("*.json")) if _DAY.fullmatch(p.stem)]
    if not found:
        raise InvalidInput(f"{root}: no per-day files (2024-03-01.json) of a Slack export")
    return found


def _users(path: Path) -> Users | None:
    """Bots and names from an export's users.json (None: there is none)."""
    if not path.is_file():
        return None
    try:
        rows = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path}: not a readable Slack users list ({exc})") from None
    if not isinstance(rows, list):
        raise InvalidInput(f"{path}: not a Slack users list")
    bots, names = set(), {}
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            continue
        profile = row["profile"] if isinstance(row.get("profile"), dict) else {}
        candidates = (
            row.get("name"),
            row.get("real_name"),
            profile.get("display_name"),
            profile.get("real_name"),
        )
        names[row["id"]] = frozenset(
            n.strip().lower() for n in candidates if isinstance(n, str) and n.strip()
        )
        if row.get("is_bot") or row.get("is_app_user"):
            bots.add(row["id"])
    return Users(frozenset(bots), names)


def agent_ids(given: tuple[str, ...], users: Users) -> set[str]:
    """The Slack ids of the ``--agent`` users, given as ids or (with users.json) names."""
    wanted = {a.strip().lstrip("@").lower() for a in given if a.strip()}
    ids = {a.upper() for a in wanted}
    ids |= {uid for uid, names in users.names.items() if names & wanted}
    return ids


def _messages(file: Path, channel: str, users: Users, *, lines: bool) -> Iterator[Message | RowError]:
    for item in items(read_doc(file), KEYS, lines=lines):
        if isinstance(item, RowError):
            yield RowError(item.line, item.reason, str(file))
            continue
        for raw in _flatten(item.value):
            yield message(raw, channel=channel, line=item.line, file=str(file), users=users)


def _flatten(value: Any) -> Iterator[Any]:
    """Messages out of whatever holds them: a message, a list, a replies response, a ts map."""
    if isinstance(value, dict) and "ts" not in value and isinstance(value.get("messages"), list):
        yield from value["messages"]
    elif (
        isinstance(value, dict)
        and "ts" not in value
        and all(isinstance(v, (list, dict)) for v in value.values())
    ):
        for inner in value.values():
            yield from _flatten(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _flatten(inner)
    else:
        yield value


def message(raw: Any, *, channel: str, line: int, file: str, users: Users = NO_USERS) -> Message | RowError:
    """One message as Slack gives it (in an export's file or a Web API response), read."""
    if not isinstance(raw, dict):
        return RowError(line, f"not a Slack message but {type(raw).__name__}", file)
    ts = text_value(raw.get("ts"))
    if ts is None or not _TS.fullmatch(ts):
        return RowError(line, "a message without a valid 'ts'", file)
    thread_ts = text_value(raw.get("thread_ts")) or ts
    if not _TS.fullmatch(thread_ts):
        return RowError(line, "a message with an invalid 'thread_ts'", file)
    user = text_value(raw.get("user"))
    bot = bool(raw.get("bot_id")) or raw.get("subtype") not in _KEPT_SUBTYPES or user in users.bots
    raw_text = raw.get("text")
    text = clean(raw_text) if isinstance(raw_text, str) else ""
    return Message(file, line, channel, ts, thread_ts, user, text, bot or user is None)


def clean(text: str) -> str:
    """Slack's markup as plain text: mentions of the addressee dropped, others "@user" (a name is
    no part of an answer), links as "label (url)", and &amp; &lt; &gt; unescaped."""
    text = _LEADING_MENTIONS.sub("", text)
    text = _MENTION.sub("@user", text)
    text = _LINK.sub(lambda m: f"{m[2]} ({m[1]})" if m[2] and m[2] != m[1] else m[1], text)
    text = _CHANNEL.sub(r"#\1", text)
    text = _SPECIAL.sub(r"@\1", text)
    return html.unescape(text).strip()


def threads(found: Iterable[Message | RowError], agents: set[str]) -> Iterator[Record | Skipped | RowError]:
    """Read messages as threads, each a ticket or skipped; a message seen twice (in two files, or
    as a broadcast reply and in its thread) counts once, errors pass through."""
    seen: dict[tuple[str, str], Message] = {}
    for item in found:
        if isinstance(item, RowError):
            yield item
        else:
            seen.setdefault((item.channel, item.ts), item)
    yield from _threads(list(seen.values()), agents)


def _threads(messages: list[Message], agents: set[str]) -> Iterator[Record | Skipped | RowError]:
    replies: dict[tuple[str, str], list[Message]] = defaultdict(list)
    parents: list[Message] = []
    for m in sorted(messages, key=lambda m: (m.channel, m.order)):
        if m.thread_ts == m.ts:
            parents.append(m)
        else:
            replies[(m.channel, m.thread_ts)].append(m)
    for parent in parents:
        thread = replies.pop((parent.channel, parent.ts), [])
        if parent.bot or not parent.text:
            continue  # an event or a bot's post: no question
        yield _thread(parent, thread, agents)
    for key in sorted(replies):  # replies to a message from before the export's first day
        yield Skipped(replies[key][0].line, NO_PARENT, replies[key][0].file)


def _thread(parent: Message, thread: list[Message], agents: set[str]) -> Record | Skipped | RowError:
    if parent.user in agents:
        return Skipped(parent.line, BY_AGENT, parent.file)

    def by_agent(m: Message) -> bool:
        return not m.bot and bool(m.text) and (m.user in agents if agents else m.user != parent.user)

    answers = [m.text for m in thread if by_agent(m)]
    if not answers:
        return Skipped(parent.line, NO_REPLY, parent.file)
    first = next(m.order for m in thread if by_agent(m))
    more = [m.text for m in thread if m.user == parent.user and m.order < first and m.text and not m.bot]
    external_id = f"slack-{parent.channel}-{parent.ts}"
    if len(external_id) > MAX_EXTERNAL_ID:
        return RowError(
            parent.line, f"channel name too long for a ticket id: {parent.channel!r}", parent.file
        )
    return Record(
        parent.line,
        external_id,
        parent.text,
        "\n\n".join(more) or None,
        "\n\n".join(answers),
        None,
        parent.file,
        created=parse_when(parent.ts),
    )
