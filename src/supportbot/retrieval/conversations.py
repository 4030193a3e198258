"""Tickets from the bot's own resolved conversations, so the index grows with use.

A resolved conversation becomes a ticket ``conv-<id>`` (source "conversation") when it has an
accepted answer: the last human agent's message, else the latest corrected answer from feedback,
else the last assistant reply rated 👍. The question is the customer's first message. Both are
PII-redacted. Conversations without an accepted answer are skipped (and counted); a ticket made
earlier from a conversation that no longer has one is removed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import Outcome, Role
from supportbot.core.models import Conversation
from supportbot.core.store import delete_ticket, ids_for_external, upsert_ticket
from supportbot.retrieval.importer import redact_ticket

SOURCE = "conversation"
PAGE = 200


def accepted_answer(conversation: Conversation) -> str | None:
    """The final accepted answer of a conversation, or None when nobody accepted one."""
    messages = conversation.messages
    for message in reversed(messages):
        if message.role == Role.agent and message.text.strip():
            return message.text.strip()
    corrections = [
        f
        for m in messages
        for f in m.feedback
        if m.role != Role.user and f.corrected_answer and f.corrected_answer.strip()
    ]
    if corrections:
        latest = max(corrections, key=lambda f: (f.created_at, f.id))
        return (latest.corrected_answer or "").strip()
    for message in reversed(messages):
        # An action's answer is one customer's data (an order's status), never a solved ticket.
        if message.role != Role.assistant or not message.text.strip() or message.outcome == Outcome.action:
            continue
        ratings = sorted(
            (f for f in message.feedback if f.rating is not None), key=lambda f: (f.created_at, f.id)
        )
        if ratings and (ratings[-1].rating or 0) > 0:
            return message.text.strip()
    return None


def first_question(conversation: Conversation) -> str | None:
    for message in conversation.messages:
        if message.role == Role.user and message.text.strip():
            return message.text.strip()
    return None


@dataclass
class ConversationImport:
    conversations: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    removed: int = 0  # tickets of conversations whose answer is no longer accepted
    redacted: Counter[str] = field(default_factory=Counter)
    changed_ids: list[int] = field(default_factory=list)
    removed_ids: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "conversations": self.conversations,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "removed": self.removed,
            "redacted": dict(sorted(self.redacted.items())),
        }


def tickets_from_conversations(sessions: sessionmaker[Session]) -> ConversationImport:
    """Upsert a ticket for every resolved conversation with an accepted answer."""
    result = ConversationImport()
    last = 0
    while True:
        with transaction(sessions) as session:
            page = store.resolved_conversations(session, after_id=last, limit=PAGE)
            if not page:
                return result
            for conversation in page:
                result.conversations += 1
                question, answer = first_question(conversation), accepted_answer(conversation)
                external_id = f"conv-{conversation.id}"
                if question is None or answer is None:
                    result.skipped += 1
                    # A 👍 taken back (or a correction removed) withdraws the ticket made from it.
                    if ids_for_external(session, external_ids=[external_id]):
                        result.removed_ids.append(delete_ticket(session, external_id=external_id))
                        result.removed += 1
                    continue
                clean = redact_ticket(question, None, answer)
                result.redacted.update(clean.counts)
                ticket, change = upsert_ticket(
                    session,
                    external_id=external_id,
                    question=clean.question,
                    resolution=clean.resolution,
                    source=SOURCE,
                )
                setattr(result, change, getattr(result, change) + 1)
                if change != "unchanged":
                    result.changed_ids.append(ticket.id)
            last = page[-1].id
