"""Calls of the team's declared actions: asked for, decided and finished, each state change once.

A call leaves ``pending`` only through one conditional UPDATE (``WHERE state = 'pending'``): of two
clicks on Approve, or an Approve racing a Cancel, exactly one changes the row, and only that one
may run the call.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from supportbot.core.enums import ActionState
from supportbot.core.models import ActionCall, utcnow


def create_action_call(
    session: Session,
    *,
    conversation_id: int,
    message_id: int | None,
    action: str,
    risk: str,
    state: ActionState,
    params: dict[str, Any],
    params_sealed: str | None = None,
    requested_by: str | None = None,
) -> ActionCall:
    """A new call: ``pending`` (waiting for approval) or ``running`` (a read, called now).
    ``params`` must be redacted already; ``params_sealed``: the values, sealed, where they differ."""
    call = ActionCall(
        conversation_id=conversation_id,
        message_id=message_id,
        action=action,
        risk=risk,
        state=state,
        params=params,
        params_sealed=params_sealed,
        requested_by=requested_by,
    )
    session.add(call)
    session.flush()
    return call


def get_action_call(session: Session, *, call_id: int) -> ActionCall | None:
    return session.get(ActionCall, call_id)


def _leave_pending(
    session: Session, *, call_id: int, to: ActionState, decided_by: str | None, error: str | None = None
) -> bool:
    values: dict[str, Any] = {"state": to, "decided_by": decided_by, "decided_at": utcnow()}
    if error is not None:
        values["error"] = error
    result = session.execute(
        update(ActionCall)
        .where(ActionCall.id == call_id, ActionCall.state == ActionState.pending)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    session.expire_all()  # the row changed under the identity map
    return result.rowcount == 1


def start_action_call(session: Session, *, call_id: int, decided_by: str) -> bool:
    """pending → running, approved by ``decided_by``; False when it was not pending (a second
    click, or cancelled): then it must not run."""
    return _leave_pending(session, call_id=call_id, to=ActionState.running, decided_by=decided_by)


def cancel_action_call(session: Session, *, call_id: int, decided_by: str) -> bool:
    """pending → cancelled; False when it was not pending any more."""
    return _leave_pending(session, call_id=call_id, to=ActionState.cancelled, decided_by=decided_by)


def expire_action_call(session: Session, *, call_id: int, why: str) -> bool:
    """pending → cancelled because nobody approved it in time (``why`` kept as its error); False
    when it was not pending any more. Decided by nobody: who pressed Approve is in the audit."""
    return _leave_pending(session, call_id=call_id, to=ActionState.cancelled, decided_by=None, error=why)


def note_approval_request(session: Session, *, call_id: int, channel: str, ts: str) -> None:
    """Where the support team was asked to approve the call: its buttons count only there."""
    call = session.get(ActionCall, call_id)
    assert call is not None, f"call {call_id} does not exist"
    call.approval_channel, call.approval_ts = channel, ts
    session.flush()


def finish_action_call(
    session: Session,
    *,
    call_id: int,
    ok: bool,
    http_status: int | None,
    error: str | None = None,
    answer: str | None = None,
) -> ActionCall:
    """running → done (``ok``) or failed, with what came of it."""
    call = session.get(ActionCall, call_id)
    assert call is not None and call.state == ActionState.running, f"call {call_id} is not running"
    call.state = ActionState.done if ok else ActionState.failed
    call.http_status = http_status
    call.error = error
    call.answer = answer
    call.finished_at = utcnow()
    session.flush()
    return call


def action_calls(session: Session, *, conversation_id: int) -> list[ActionCall]:
    """A conversation's calls, oldest first."""
    return list(
        session.scalars(
            select(ActionCall).where(ActionCall.conversation_id == conversation_id).order_by(ActionCall.id)
        )
    )
