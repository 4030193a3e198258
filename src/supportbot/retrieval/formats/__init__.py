"""The team's knowledge sources read as tickets: which format a file or folder is, and its reader.

Besides the CSV/JSONL exports of ``retrieval.sources``: Zendesk, Freshdesk and Intercom JSON
exports (``zendesk.py``, ``freshdesk.py``, ``intercom.py``), help-center articles
(``helpcenter.py``) and a Slack channel's history (``slack_export.py``; fetched through the Web
API instead of read from files: ``slack_live.py``). Every reader yields the same ``Record`` /
``RowError`` / ``Skipped`` as the CSV reader, so all of them go through the one import path:
redacted before the first write, upserted by external id.

The format is told from the name where that is unambiguous (a folder of per-day JSON files is a
Slack export, of .md/.html files a help center; a .md or .html file one article) and, for a JSON
file, from its first record's fields (``comments`` → Zendesk, ``conversation_parts`` → Intercom,
...). A JSON file that is none of these is read as JSONL tickets, as it always was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from supportbot.core.errors import InvalidInput
from supportbot.retrieval.formats.jsondoc import Doc, Item, decode_utf8, first_item, read_doc
from supportbot.retrieval.sources import FieldMap, Record, RowError, Skipped, detect_format, read_records

TOOL_FORMATS = ("zendesk", "freshdesk", "intercom", "helpcenter", "slack")
FORMATS = ("jsonl", "csv", *TOOL_FORMATS)
# Recorded as the tickets' source unless --source says otherwise (the CSV/JSONL default: "import").
SOURCES = {
    "zendesk": "zendesk",
    "freshdesk": "freshdesk",
    "intercom": "intercom",
    "helpcenter": "help-center",
    "slack": "slack",
}
AGENT_FORMATS = ("zendesk", "freshdesk", "slack")
_JSON = (".json", ".jsonl", ".ndjson")
_SNIFF_KEYS = ("tickets", "ticket", "conversations", "messages")
_SNIFF_BYTES = 1 << 20
_DAY_FILE = re.compile(r"\d{4}-\d{2}-\d{2}\.json")

Reader = Callable[..., Iterator[Record | RowError | Skipped]]


def resolve_format(path: Path, given: str | None = None) -> str:
    """The format named, or the one ``path`` is (InvalidInput when it cannot be told)."""
    if given and given != "auto":
        if given not in FORMATS:
            raise InvalidInput(f"unknown format {given!r} (use one of {', '.join(FORMATS)})")
        return given
    if path.is_dir():
        return _folder_format(path)
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown", ".html", ".htm"):
        return "helpcenter"
    if suffix in _JSON:
        return _sniff(path) or "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return detect_format(path)
    raise InvalidInput(f"{path}: cannot tell the format from the name; pass --format ({', '.join(FORMATS)})")


def _folder_format(path: Path) -> str:
    from supportbot.retrieval.formats.helpcenter import articles_in

    if any(_DAY_FILE.fullmatch(p.name) for p in path.rglob("*.json")):
        return "slack"
    if articles_in(path):
        return "helpcenter"
    raise InvalidInput(
        f"{path}: a folder of neither help-center articles (.md, .html) nor a Slack export "
        "(per-day .json files); pass a file, or --format"
    )


def classify(item: Item) -> str | None:
    """The helpdesk a JSON record comes from, by the fields only it has (None: a plain ticket)."""
    v = item.value
    if not isinstance(v, dict):
        return None
    if "ts" in v and ("text" in v or "user" in v or v.get("type") == "message"):
        return "slack"
    if "conversation_parts" in v or (isinstance(v.get("source"), dict) and "author" in v["source"]):
        return "intercom"
    if item.key == "conversations" and ("incoming" in v or "body_text" in v):
        return "freshdesk"  # the conversations of one Freshdesk ticket, the file's only object
    if "description_text" in v or ("conversations" in v and "requester_id" in v):
        return "freshdesk"
    if item.key == "ticket" or ("comments" in v and ("requester_id" in v or "subject" in v)):
        return "zendesk"
    return None


def _sniff(path: Path) -> str | None:
    try:
        with path.open("rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    first = first_item(Doc(*decode_utf8(head)), _SNIFF_KEYS)
    if first is None and len(head) == _SNIFF_BYTES:  # a first record longer than the head
        first = first_item(read_doc(path), _SNIFF_KEYS)
    return classify(first) if first is not None else None


def agents_in(path: Path | None) -> tuple[str, ...]:
    """The agents listed in a file, one a line (blank lines and # comments ignored)."""
    if path is None:
        return ()
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    return tuple(s for s in (line.split("#", 1)[0].strip() for line in lines) if s)


def default_source(fmt: str) -> str:
    return SOURCES.get(fmt, "import")


def check_options(fmt: str, fields: FieldMap) -> None:
    """Options that the format does not use are refused, not ignored."""
    if fmt in TOOL_FORMATS and (fields.question or fields.id != "id" or fields.answer != "resolution"):
        raise InvalidInput(
            f"--id-field, --question-field and --answer-field are for csv and jsonl exports; "
            f"a {fmt} export is read by its own fields"
        )
    if fields.base_url and fmt != "helpcenter":
        raise InvalidInput("--base-url is for help-center articles (--format helpcenter)")
    if fields.agents and fmt not in AGENT_FORMATS:
        raise InvalidInput(f"--agent is for {', '.join(AGENT_FORMATS)} exports")


def _reader(fmt: str) -> Reader:
    if fmt == "zendesk":
        from supportbot.retrieval.formats.zendesk import read
    elif fmt == "freshdesk":
        from supportbot.retrieval.formats.freshdesk import read
    elif fmt == "intercom":
        from supportbot.retrieval.formats.intercom import read
    elif fmt == "helpcenter":
        from supportbot.retrieval.formats.helpcenter import read
    else:
        from supportbot.retrieval.formats.slack_export import read
    return read


def read_items(
    path: Path, *, fields: FieldMap = FieldMap(), fmt: str | None = None, progress: bool = False
) -> Iterator[Record | RowError | Skipped]:
    """Every record of ``path`` in any format, as Records, RowErrors and Skipped."""
    fmt = resolve_format(path, fmt)
    check_options(fmt, fields)
    if fmt not in TOOL_FORMATS:
        if path.is_dir():
            raise InvalidInput(f"{path} is a folder: a {fmt} export is one file")
        yield from read_records(path, fields=fields, fmt=fmt, progress=progress)
        return
    found = _reader(fmt)(path, fields=fields, lines=path.suffix.lower() in (".jsonl", ".ndjson"))
    yield from _counted(found, path) if progress else found


def _counted(found: Iterator[Any], path: Path) -> Iterator[Any]:
    import sys

    from tqdm import tqdm

    with tqdm(found, unit=" records", desc=path.name, file=sys.stderr, dynamic_ncols=True) as bar:
        yield from bar
