"""A declared action's calls once asked for: recorded, run once, approved, cancelled, audited.

A call is stored before it runs (``running`` for a read, ``pending`` for what needs approval) with
its parameters redacted; the values themselves are sealed with the originals key where redaction
changed them, so an approved call runs with what the customer typed. Approve leaves ``pending``
through one conditional UPDATE (core.store.actions): a double click, or Approve racing Cancel,
runs nothing twice. Each run, approval, cancellation and refused click leaves an audit entry
whose parameters core.store.audit redacts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.actions_config import ActionSpec, Catalogue, Risk
from supportbot.core.db import transaction
from supportbot.core.enums import ActionState, HandoverReason
from supportbot.core.errors import Conflict, NotFound
from supportbot.core.models import ActionCall, Conversation
from supportbot.core.originals import Sealer
from supportbot.core.pii import redact_text
from supportbot.core.settings import Settings
from supportbot.usecases.action_http import CallResult, Resolver, answer_of, call_action
from supportbot.usecases.handover import HandedOver, hand_over

log = logging.getLogger(__name__)

Values = dict[str, str | int]
FAILED = (
    "I couldn't get that from our systems just now, so I've asked a member of our support team to "
    "take over; they will reply here."
)


@dataclass(frozen=True)
class Decided:
    """What an Approve / Cancel click came to. ``changed``: this click moved the call on (False:
    it was decided before, e.g. a second click); ``text``: what to say in the thread."""

    call_id: int
    conversation_id: int
    state: ActionState
    changed: bool
    text: str | None = None
    handed_over: HandedOver | None = None


@dataclass(frozen=True)
class Calls:
    settings: Settings
    sessions: sessionmaker[Session]
    catalogue: Catalogue
    sealer: Sealer | None
    resolver: Resolver

    def new(
        self,
        session: Session,
        *,
        conversation_id: int,
        question_id: int,
        customer: str | None,
        action: ActionSpec,
        values: Values,
        state: ActionState,
    ) -> ActionCall:
        redacted = {k: redact_text(v) if isinstance(v, str) else v for k, v in values.items()}
        sealed = None
        if redacted != values and self.sealer is not None:  # the real values, for a later run only
            sealed = self.sealer.seal(json.dumps(values))
        return store.create_action_call(
            session,
            conversation_id=conversation_id,
            message_id=question_id,
            action=action.name,
            risk=action.risk.value,
            state=state,
            params=redacted,
            params_sealed=sealed,
            requested_by=customer,
        )

    def run(
        self, call_id: int, action: ActionSpec | None, values: Values, *, actor: str
    ) -> tuple[str | None, str | None]:
        """Run a call that is ``running`` and record what came of it: (the answer, None) or
        (None, why it failed, for the hand-over)."""
        if action is None:
            result = CallResult(False, error="the action is no longer declared")
        else:
            result = call_action(
                action, values, allow_private=self.settings.actions_allow_private, resolver=self.resolver
            )
            if result.ok:
                result = answer_of(action, values, result)
        said = redact_text(result.answer) if result.ok and result.answer is not None else None
        with transaction(self.sessions) as s:
            call = store.finish_action_call(
                s,
                call_id=call_id,
                ok=said is not None,
                http_status=result.http_status,
                error=result.error,
                answer=said,
            )
            store.audit(
                s, actor=actor, action="action.run", conversation_id=call.conversation_id,
                detail=detail(call, values),
            )  # fmt: skip
            name, error = call.action, call.error
        if said is None:
            log.warning("action %s failed: %s", name, error)
            return None, f"action {name} failed: {error}"
        return said, None

    def approve(self, *, call_id: int, user: str, in_thread: tuple[str, str] | None) -> Decided:
        """Approve a pending call and run it, once. Conflict when ``user`` may not approve it (a
        write: only the conversation's customer; an irreversible one: only an admin); NotFound when
        the click is not from the call's own thread."""
        started = False
        with transaction(self.sessions) as s:
            call = self._clicked(s, call_id, in_thread)
            refusal = self._refusal(call, user)
            if refusal is None:
                started = store.start_action_call(s, call_id=call_id, decided_by=user)
            action = "action.refused" if refusal else "action.approved" if started else "action.click_ignored"
            store.audit(
                s, actor=user, action=action, conversation_id=call.conversation_id, detail=detail(call)
            )
            conversation_id, name, state = call.conversation_id, call.action, call.state
            values = self._values(call)
        if refusal is not None:
            raise Conflict(refusal)
        if not started:
            return Decided(call_id, conversation_id, state, changed=False)
        said, error = self.run(call_id, self.catalogue.get(name), values, actor=user)
        if error is None:
            return Decided(call_id, conversation_id, ActionState.done, True, said)
        done = hand_over(
            self.sessions,
            conversation_id=conversation_id,
            actor="supportbot",
            reason=error,
            kind=HandoverReason.gate,
            default_group=self.settings.support_group_id,
        )
        return Decided(call_id, conversation_id, ActionState.failed, True, FAILED, done)

    def cancel(self, *, call_id: int, user: str, in_thread: tuple[str, str] | None) -> Decided:
        """Cancel a pending call: it is never run. The customer or an admin may."""
        changed = False
        with transaction(self.sessions) as s:
            call = self._clicked(s, call_id, in_thread)
            refused = user != call.requested_by and user not in self.settings.admin_user_ids
            if not refused:
                changed = store.cancel_action_call(s, call_id=call_id, decided_by=user)
            action = (
                "action.refused" if refused else "action.cancelled" if changed else "action.click_ignored"
            )
            store.audit(
                s, actor=user, action=action, conversation_id=call.conversation_id, detail=detail(call)
            )
            conversation_id, state = call.conversation_id, call.state
        if refused:
            raise Conflict("Only the customer who asked (or an admin) can cancel this.")
        text = "Cancelled: nothing was done." if changed else None
        return Decided(call_id, conversation_id, state, changed, text)

    def _clicked(self, session: Session, call_id: int, in_thread: tuple[str, str] | None) -> ActionCall:
        """The call a button names, checked against the thread it was clicked in (a button's
        value is only an id)."""
        call = store.get_action_call(session, call_id=call_id)
        if call is None:
            raise NotFound(f"action call {call_id} does not exist")
        conversation = session.get(Conversation, call.conversation_id)
        assert conversation is not None
        if in_thread is not None and (conversation.slack_channel, conversation.slack_thread_ts) != in_thread:
            raise NotFound(f"action call {call_id} is not in the thread that was clicked")
        return call

    def _refusal(self, call: ActionCall, user: str) -> str | None:
        """Why ``user`` may not approve ``call`` (None: they may)."""
        if call.risk == Risk.irreversible.value:
            if user in self.settings.admin_user_ids:
                return None
            return "This one cannot be undone: a member of the support team has to approve it."
        if call.risk == Risk.write.value and user == call.requested_by:
            return None
        return "Only the customer who asked can approve this."

    def _values(self, call: ActionCall) -> Values:
        if call.params_sealed and self.sealer is not None:
            return dict(json.loads(self.sealer.open(call.params_sealed)))
        return dict(call.params)


def detail(call: ActionCall, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An audit entry's detail: ``store.audit`` redacts the parameters' text (core.pii)."""
    out: dict[str, Any] = {"call": call.id, "action": call.action, "risk": call.risk}
    out["params"] = dict(values if values is not None else call.params)
    if call.state in (ActionState.done, ActionState.failed):
        out["result"] = call.state.value
        out["http_status"] = call.http_status
        if call.error:
            out["error"] = call.error
    return out
