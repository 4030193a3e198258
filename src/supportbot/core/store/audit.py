"""Who did what, when: every admin action leaves an entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from supportbot.core.models import AuditEntry
from supportbot.core.pii import redact_text


def redact_detail(value: Any) -> Any:
    """Free text in an audit detail (a comment, a corrected answer) is redacted like any other."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_detail(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_detail(v) for v in value]
    return value


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    conversation_id: int | None = None,
    message_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor,
        action=action,
        conversation_id=conversation_id,
        message_id=message_id,
        detail=redact_detail(detail) if detail is not None else None,
    )
    session.add(entry)
    session.flush()
    return entry


def audit_entries(
    session: Session, *, conversation_id: int | None = None, limit: int = 200
) -> list[AuditEntry]:
    stmt = select(AuditEntry)
    if conversation_id is not None:
        stmt = stmt.where(AuditEntry.conversation_id == conversation_id)
    return list(session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit)))
