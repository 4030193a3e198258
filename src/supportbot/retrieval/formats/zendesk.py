"""Zendesk ticket exports: the Tickets API's JSON with each ticket's ``comments``.

Accepted: a list of tickets, ``{"tickets": [...]}`` (an API page; sideloaded ``users`` tell
agents by their role), ``{"ticket": {...}}``, or JSON Lines of tickets.

- question: the subject; its body the customer's opening message (the requester's first comment,
  else the ticket's ``description``).
- resolution: the public comments (``public: true``) of everyone but the requester, in order.
  With ``--agent`` ids (or sideloaded users with a role), only those agents' public comments.
- dropped: internal notes (``public`` false or missing: a comment not known to be public is
  never shown to another customer), the requester's later messages, tags and status.
- skipped, not an error: a ticket without a public reply by an agent (nothing to learn from).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import supportbot.retrieval.formats.helpdesk as helpdesk
from supportbot.retrieval.formats.jsondoc import Item, items, read_doc
from supportbot.retrieval.sources import FieldMap, Record, RowError, Skipped, text_value

KEYS = ("tickets", "ticket", "users")
NO_REPLY = "no public reply by an agent"
_PLAIN = ("plain_body", "body")
_HTML = ("html_body",)


def read(path: Path, *, fields: FieldMap, lines: bool = False) -> Iterator[Record | RowError | Skipped]:
    found = list(items(read_doc(path), KEYS, lines=lines))
    agents = set(fields.agents) | _agents_of(found)
    for item in found:
        if isinstance(item, RowError):
            yield item
        elif item.key != "users":
            yield _ticket(item.line, item.value, fields, agents)


def _agents_of(found: list[Item | RowError]) -> set[str]:
    """Ids of the sideloaded users whose role is agent or admin."""
    out = set()
    for item in found:
        user = item.value if isinstance(item, Item) and item.key == "users" else None
        if isinstance(user, dict) and user.get("role") in ("agent", "admin") and text_value(user.get("id")):
            out.add(str(text_value(user.get("id"))))
    return out


def _ticket(line: int, value: Any, fields: FieldMap, agents: set[str]) -> Record | RowError | Skipped:
    raw = helpdesk.as_object(line, value)
    if isinstance(raw, RowError):
        return raw
    ticket_id = helpdesk.external_id("zendesk", line, raw.get("id"))
    if isinstance(ticket_id, RowError):
        return ticket_id
    comments = helpdesk.message_list(line, ticket_id, raw.get("comments"), "comments")
    if isinstance(comments, RowError):
        return comments
    requester = raw.get("requester_id")
    if requester is None and not agents:
        return RowError(
            line,
            f"ticket {ticket_id}: no requester_id: the customer's comments cannot be told apart (pass --agent)",
        )
    opening, used = _opening(raw, comments, requester)
    replies = [
        text
        for n, c in enumerate(comments)
        if n != used and c.get("public") is True and _by_agent(c.get("author_id"), requester, agents)
        for text in [helpdesk.message_text(c, _PLAIN, _HTML)]
        if text
    ]
    subject = text_value(raw.get("subject"))
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


def _opening(
    raw: dict[str, Any], comments: list[dict[str, Any]], requester: Any
) -> tuple[str | None, int | None]:
    """The customer's first message and the index of the comment it is (None: the description)."""
    for n, comment in enumerate(comments):
        if helpdesk.same_id(comment.get("author_id"), requester):
            return helpdesk.message_text(comment, _PLAIN, _HTML), n
    description = text_value(raw.get("description"))
    # Zendesk's description is the first comment: when an agent opened the ticket for the
    # customer, that comment is the question, not a reply.
    if (
        comments
        and description
        and _same_text(helpdesk.message_text(comments[0], _PLAIN, _HTML), description)
    ):
        return description, 0
    return description, None


def _same_text(a: str | None, b: str) -> bool:
    return a is not None and " ".join(a.split()) == " ".join(b.split())


def _by_agent(author: Any, requester: Any, agents: set[str]) -> bool:
    if agents:
        return text_value(author) in agents
    return author is not None and not helpdesk.same_id(author, requester)
