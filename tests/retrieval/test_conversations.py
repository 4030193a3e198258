"""Tickets from resolved conversations: which answer counts, redaction, skips, withdrawals."""

from __future__ import annotations

from sqlalchemy import select

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import ConversationStatus, Role
from supportbot.core.models import Ticket
from supportbot.retrieval.conversations import tickets_from_conversations


def conversation(sessions, name: str, turns: list[tuple[str, str]], *, status=ConversationStatus.resolved):
    """Store a thread; turns are (role, text); returns (conversation id, ids of the bot's replies)."""
    replies = []
    with transaction(sessions) as s:
        last_user = None
        for n, (role, text) in enumerate(turns):
            ts = f"{name}.{n}"
            if role == "assistant":
                reply = store.record_reply(s, reply_to_id=last_user, text=text)
                replies.append(reply.id)
                continue
            rec = store.record_user_turn(
                s, text=text, channel="C1", thread_ts=f"{name}.0", ts=ts, event_id=f"Ev{ts}", role=Role(role)
            )
            if role == "user":
                last_user = rec.message.id
        conversation_id = rec.message.conversation_id
        store.set_status(s, conversation_id=conversation_id, status=status)
    return conversation_id, replies


def feedback(sessions, message_id: int, **kwargs) -> None:
    with transaction(sessions) as s:
        store.record_feedback(s, message_id=message_id, user="U9", **kwargs)


def tickets(sessions) -> dict[str, Ticket]:
    with sessions() as s:
        return {t.external_id: t for t in s.scalars(select(Ticket))}


def test_accepted_answers_become_redacted_tickets(sessions):
    a, (a_reply,) = conversation(
        sessions,
        "1",
        [("user", "My parcel is late, mail me at bob@example.com"), ("assistant", "It ships today.")],
    )
    feedback(sessions, a_reply, rating=1)
    b, (b_reply,) = conversation(sessions, "2", [("user", "Refund?"), ("assistant", "No idea.")])
    feedback(sessions, b_reply, rating=-1, corrected_answer="Refunds take 5-10 days, call +1 415-555-0134.")
    c, (c_reply,) = conversation(
        sessions,
        "3",
        [
            ("user", "App crashes"),
            ("assistant", "Reinstall."),
            ("agent", "Update to 4.2, it fixes the crash."),
        ],
    )
    feedback(sessions, c_reply, rating=1)  # the human agent's word is final all the same
    _, (d_reply,) = conversation(sessions, "4", [("user", "Cancel my plan"), ("assistant", "Sure.")])
    feedback(sessions, d_reply, rating=-1)  # rejected, no correction: nothing accepted
    _, (e_reply,) = conversation(
        sessions, "5", [("user", "Open one"), ("assistant", "Fine.")], status=ConversationStatus.answered
    )
    feedback(sessions, e_reply, rating=1)  # not resolved: not a ticket yet

    result = tickets_from_conversations(sessions)
    assert (result.conversations, result.created, result.skipped) == (4, 3, 1)
    # Stored redacted in the first place, nothing is left to redact by the time it becomes a ticket.
    assert result.redacted == {}
    found = tickets(sessions)
    assert set(found) == {f"conv-{a}", f"conv-{b}", f"conv-{c}"}
    assert (found[f"conv-{a}"].question, found[f"conv-{a}"].resolution) == (
        "My parcel is late, mail me at [EMAIL]",
        "It ships today.",
    )
    assert found[f"conv-{b}"].resolution == "Refunds take 5-10 days, call [PHONE]."
    assert found[f"conv-{c}"].resolution == "Update to 4.2, it fixes the crash."
    assert {t.source for t in found.values()} == {"conversation"}
    assert sorted(result.changed_ids) == sorted(t.id for t in found.values())

    again = tickets_from_conversations(sessions)
    assert (again.created, again.updated, again.unchanged, again.changed_ids) == (0, 0, 3, [])

    # a 👍 taken back withdraws the ticket; a later correction brings it back, updated
    feedback(sessions, a_reply, rating=-1)
    withdrawn = tickets_from_conversations(sessions)
    assert withdrawn.removed == 1 and withdrawn.removed_ids == [found[f"conv-{a}"].id]
    assert f"conv-{a}" not in tickets(sessions)
    feedback(sessions, a_reply, corrected_answer="It shipped yesterday; tracking follows.")
    back = tickets_from_conversations(sessions)
    assert back.created == 1 and tickets(sessions)[f"conv-{a}"].resolution.startswith("It shipped yesterday")
