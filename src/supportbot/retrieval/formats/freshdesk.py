"""Freshdesk ticket exports: tickets (the API's ``include=conversations``, or tickets with their
conversations merged in) as a list, ``{"tickets": [...]}`` or JSON Lines.

- question: the ``subject``; its body ``description_text`` (else ``description`` as text).
- resolution: the public outgoing replies (``incoming: false`` and ``private: false``), in
  order; with ``--agent`` ids only those agents' replies.
- dropped: private notes (``private`` true or missing), the customer's incoming messages, tags.
- skipped, not an error: a ticket without a public reply by an agent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import supportbot.retrieval.formats.helpdesk as helpdesk
from supportbot.retrieval.formats.jsondoc import items, read_doc
from supportbot.retrieval.sources import FieldMap, Record, RowError, Skipped, text_value

KEYS = ("tickets",)
NO_REPLY = "no public reply by an agent"


def read(path: Path, *, fields: FieldMap, lines: bool = False) -> Iterator[Record | RowError | Skipped]:
    agents = set(fields.agents)
    for item in items(read_doc(path), KEYS, lines=lines):
        yield item if isinstance(item, RowError) else _ticket(item.line, item.value, fields, agents)


def _ticket(line: int, value: Any, fields: FieldMap, agents: set[str]) -> Record | RowError | Skipped:
    raw = helpdesk.as_object(line, value)
    if isinstance(raw, RowError):
        return raw
    ticket_id = helpdesk.external_id("freshdesk", line, raw.get("id"))
    if isinstance(ticket_id, RowError):
        return ticket_id
    conversations = helpdesk.message_list(line, ticket_id, raw.get("conversations"), "conversations")
    if isinstance(conversations, RowError):
        return conversations
    requester = raw.get("requester_id")
    replies = [
        text
        for c in conversations
        if c.get("incoming") is False and c.get("private") is False and _by_agent(c, requester, agents)
        for text in [helpdesk.message_text(c, ("body_text",), ("body",))]
        if text
    ]
    return helpdesk.ticket(
        line,
        ticket_id,
        subject=text_value(raw.get("subject")),
        opening=helpdesk.message_text(raw, ("description_text",), ("description",)),
        replies=replies,
        category=helpdesk.category(raw, fields),
        created=raw.get("created_at"),
        no_reply=NO_REPLY,
    )


def _by_agent(conversation: dict[str, Any], requester: Any, agents: set[str]) -> bool:
    author = conversation.get("user_id")
    if agents:
        return text_value(author) in agents
    return not helpdesk.same_id(author, requester)
