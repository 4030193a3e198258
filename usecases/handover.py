"""Hand a conversation over to a human, because the customer asked for one."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from core import store
from core.db import transaction
from core.models import ConversationStatus
from usecases.threads import clicked_reply


def hand_over(
    sessions: sessionmaker[Session], *, reply_id: int, actor: str, shown_in: tuple[str, str] | None = None
) -> int:
    """Mark the conversation of ``reply_id`` escalated, audited; returns the conversation's id.
    ``shown_in``: (channel, ts) of the Slack message whose button was clicked."""
    with transaction(sessions) as s:
        reply = clicked_reply(s, reply_id=reply_id, shown_in=shown_in)
        store.set_status(s, conversation_id=reply.conversation_id, status=ConversationStatus.escalated)
        store.audit(
            s,
            actor=actor,
            action="conversation.handover",
            conversation_id=reply.conversation_id,
            message_id=reply_id,
        )
        return reply.conversation_id
