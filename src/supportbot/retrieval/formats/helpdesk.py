"""What the helpdesk readers (Zendesk, Freshdesk, Intercom) share: a ticket's id, its category,
a message's text, and the ticket put together from the customer's opening and the agents' replies.

A helpdesk's ids are numbers of its own, so a ticket's external id carries the helpdesk's name
(``zendesk-35436``): tickets of two helpdesks, or of a CSV import, never overwrite each other, and
a re-import of the same export finds its tickets again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from supportbot.retrieval.dates import parse_when
from supportbot.retrieval.formats.html_text import html_to_text
from supportbot.retrieval.sources import (
    MAX_CATEGORY,
    MAX_EXTERNAL_ID,
    FieldMap,
    Record,
    RowError,
    Skipped,
    field_value,
    text_value,
)


def external_id(prefix: str, line: int, value: Any) -> str | RowError:
    own = text_value(value)
    if own is None:
        return RowError(line, "no ticket id (field 'id')")
    name = f"{prefix}-{own}"
    if len(name) > MAX_EXTERNAL_ID:
        return RowError(line, f"ticket id longer than {MAX_EXTERNAL_ID - len(prefix) - 1} characters")
    return name


def category(record: dict[str, Any], fields: FieldMap) -> str | None:
    """The field named by ``--category-field`` when it holds a scalar (a helpdesk's type, group or
    a custom field); a list such as tags is no category."""
    return text_value(field_value(record, fields.category)) if fields.category else None


def message_text(message: dict[str, Any], plain: Iterable[str], html: Iterable[str] = ()) -> str | None:
    """The first non-empty plain-text field, else the first HTML field as text."""
    for name in plain:
        text = text_value(message.get(name))
        if text:
            return text
    for name in html:
        raw = message.get(name)
        if isinstance(raw, str) and raw.strip():
            return html_to_text(raw) or None
    return None


def same_id(a: Any, b: Any) -> bool:
    """Ids compared as text: one export writes 42, another "42"."""
    return a is not None and b is not None and text_value(a) == text_value(b)


def ticket(
    line: int,
    ticket_id: str,
    *,
    subject: str | None,
    opening: str | None,
    replies: list[str],
    category: str | None,
    created: Any = None,
    no_reply: str = "no public reply by an agent",
) -> Record | RowError | Skipped:
    """The ticket: the subject is the question and the opening message its body (the opening is
    the question when there is no subject); the agents' replies, in order, its resolution; none
    of them: no ticket, skipped (``no_reply`` says why). ``created``: the export's date for it."""
    if not replies:
        return Skipped(line, no_reply)
    parts = [p for p in (subject, opening) if p]
    if not parts:
        return RowError(line, f"ticket {ticket_id}: no question (no subject and no message by the customer)")
    if category is not None and len(category) > MAX_CATEGORY:
        return RowError(line, f"ticket {ticket_id}: category longer than {MAX_CATEGORY} characters")
    body = parts[1] if len(parts) > 1 and parts[1] != parts[0] else None
    return Record(
        line,
        ticket_id,
        parts[0],
        body,
        "\n\n".join(replies),
        category,
        created=parse_when(created),
        replies=tuple(replies),
    )


def as_object(line: int, value: Any) -> dict[str, Any] | RowError:
    if not isinstance(value, dict):
        return RowError(line, f"not a JSON object but {type(value).__name__}")
    return value


def message_list(line: int, ticket_id: str, value: Any, name: str) -> list[dict[str, Any]] | RowError:
    """A ticket's list of messages (missing: none); anything else in it is an error of the ticket."""
    if value is None:
        return []
    if not isinstance(value, list):
        return RowError(line, f"ticket {ticket_id}: {name!r} is not a list")
    for n, message in enumerate(value, start=1):
        if not isinstance(message, dict):
            return RowError(line, f"ticket {ticket_id}: {name}[{n}] is not an object")
    return value
