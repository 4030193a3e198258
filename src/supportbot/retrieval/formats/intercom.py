"""Intercom conversation exports: conversations (the Conversations API's shape, with
``conversation_parts``) as a list, ``{"conversations": [...]}`` or JSON Lines.

- question: the customer's opening message: the conversation's ``source`` (its subject, then its
  body) when a user or lead wrote it, else the first comment by one (a reply to an outbound
  message).
- resolution: the admins' replies after it, in order: parts of type ``comment`` (and ``close``,
  which is a reply sent with "close"), HTML made text.
- dropped: notes, bots' parts (Fin, workflows), assignments and other events, the customer's
  later messages.
- skipped, not an error: a conversation no admin replied to, or one without a customer message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import supportbot.retrieval.formats.helpdesk as helpdesk
from supportbot.retrieval.formats.html_text import html_to_text
from supportbot.retrieval.formats.jsondoc import items, read_doc
from supportbot.retrieval.sources import FieldMap, Record, RowError, Skipped

KEYS = ("conversations",)
CUSTOMERS = ("user", "lead", "contact")
REPLIES = ("comment", "close")
NO_REPLY = "no reply by an admin"
NO_QUESTION = "no message by the customer"


def read(path: Path, *, fields: FieldMap, lines: bool = False) -> Iterator[Record | RowError | Skipped]:
    for item in items(read_doc(path), KEYS, lines=lines):
        yield item if isinstance(item, RowError) else _conversation(item.line, item.value, fields)


def _author(part: dict[str, Any]) -> str | None:
    author = part.get("author")
    return author.get("type") if isinstance(author, dict) else None


def _body(part: dict[str, Any]) -> str | None:
    raw = part.get("body")
    return (html_to_text(raw) or None) if isinstance(raw, str) else None


def _parts(line: int, ticket_id: str, raw: dict[str, Any]) -> list[dict[str, Any]] | RowError:
    value = raw.get("conversation_parts")
    if isinstance(value, dict):  # the API's {"type": "conversation_part.list", "conversation_parts": [...]}
        value = value.get("conversation_parts")
    return helpdesk.message_list(line, ticket_id, value, "conversation_parts")


def _conversation(line: int, value: Any, fields: FieldMap) -> Record | RowError | Skipped:
    raw = helpdesk.as_object(line, value)
    if isinstance(raw, RowError):
        return raw
    ticket_id = helpdesk.external_id("intercom", line, raw.get("id"))
    if isinstance(ticket_id, RowError):
        return ticket_id
    parts = _parts(line, ticket_id, raw)
    if isinstance(parts, RowError):
        return parts
    source: dict[str, Any] = raw["source"] if isinstance(raw.get("source"), dict) else {}
    subject = _body({"body": source.get("subject")}) if _author(source) in CUSTOMERS else None
    opening, start = _opening(source, parts)
    if opening is None:
        return Skipped(line, NO_QUESTION)
    replies = [
        text
        for part in parts[start:]
        if part.get("part_type") in REPLIES and _author(part) == "admin"
        for text in [_body(part)]
        if text
    ]
    return helpdesk.ticket(
        line,
        ticket_id,
        subject=subject,
        opening=opening,
        replies=replies,
        category=helpdesk.category(raw, fields),
        created=raw.get("created_at"),
        no_reply=NO_REPLY,
    )


def _opening(source: dict[str, Any], parts: list[dict[str, Any]]) -> tuple[str | None, int]:
    """The customer's first message, and the index of the first part that may answer it."""
    if _author(source) in CUSTOMERS and _body(source):
        return _body(source), 0
    for n, part in enumerate(parts):
        if part.get("part_type") == "comment" and _author(part) in CUSTOMERS and _body(part):
            return _body(part), n + 1
    return None, 0
