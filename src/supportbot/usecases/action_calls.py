"""A declared action's calls once asked for: recorded, run once, approved, cancelled, audited.

A call is stored before it runs (``running`` for a read, ``pending`` for what needs approval) with
its parameters redacted; the values themselves are sealed with the originals key where redaction
changed them, so an approved call runs with what the customer typed. Approve leaves ``pending``
through one conditional UPDATE (core.store.actions): a double click, or Approve racing Cancel,
runs nothing twice. Each run, approval, cancellation, expiry and refused click leaves an audit
entry whose parameters core.store.audit redacts.

An irreversible call, where a support channel is set, is put to the support team there
(``approval_request``; the bot posts it and notes where): then only that message's buttons count,
and its members (bot.support_team) or an admin may approve or cancel it. A pending call older than
SUPPORTBOT_ACTIONS_APPROVAL_TTL_HOURS is not run: Approve cancels it as expired.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.actions_config import ActionSpec, Catalogue, Risk, render
from supportbot.core.db import transaction
from supportbot.core.enums import ActionState, HandoverReason
from supportbot.core.errors import Conflict, NotFound
from supportbot.core.models import ActionCall, Conversation, utcnow
from supportbot.core.originals import Sealer
from supportbot.core.pii import redact_text
from supportbot.core.settings import Settings
from supportbot.usecases.action_http import CallResult, Resolver, answer_of, call_action
from supportbot.usecases.handover import HandedOver, group_for, hand_over

log = logging.getLogger(__name__)

Values = dict[str, str | int]
FAILED = (
    "I couldn't get that from our systems just now, so I've asked a member of our support team to "
    "take over; they will reply here."
)


EXPIRED = "This request expired, so nothing was done: please ask again if you still need it."


class Approvers(Protocol):
    """Who, besides the admins, may approve or cancel a call put to the support channel: the
    support team (bot.support_team asks Slack who is in it). ``group``: the one the conversation's
    channel tags, if it names its own."""

    def may_approve(self, user: str, *, group: str | None) -> bool: ...


@dataclass(frozen=True)
class Decided:
    """What an Approve / Cancel click came to. ``changed``: this click moved the call on (False:
    it was decided before, e.g. a second click); ``text``: what to say in the thread (and in the
    customer's, ``customer_thread``, when the click was on the support channel's request)."""

    call_id: int
    conversation_id: int
    state: ActionState
    changed: bool
    text: str | None = None
    handed_over: HandedOver | None = None
    customer_thread: tuple[str, str] | None = None
    by_team: bool = False  # decided on the support channel's request
    expired: bool = False
    error: str | None = None  # why the approved call failed (for the support team)


@dataclass(frozen=True)
class ApprovalAsk:
    """A pending irreversible call to put in front of the support team."""

    call_id: int
    action: str
    description: str
    what: str  # what will be done, in plain words: redacted, escaped for Slack
    customer: str | None
    channel: str | None  # the customer's thread
    thread_ts: str | None
    group: str | None


def describe(action: ActionSpec | None, values: Mapping[str, Any], name: str = "") -> str:
    """What a call will do, in plain words: the action's ``confirm`` with the values escaped for
    Slack and redacted (the customer's e-mail is not repeated to anyone)."""
    try:
        if action is not None and action.confirm:
            return redact_text(render(action.confirm, values, escape=True))
    except KeyError:
        pass
    return f"run {action.name if action is not None else name}."


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

    # --- the support team's request ------------------------------------------------------------

    def approval_request(self, call_id: int) -> ApprovalAsk | None:
        """What to ask the support team for a pending call (None: decided, or asked before)."""
        with self.sessions() as s:
            call = store.get_action_call(s, call_id=call_id)
            if call is None or call.state is not ActionState.pending or call.approval_ts is not None:
                return None
            conversation = s.get(Conversation, call.conversation_id)
            assert conversation is not None
            action = self.catalogue.get(call.action)
            return ApprovalAsk(
                call_id=call.id,
                action=call.action,
                description=action.description if action is not None else call.action,
                what=describe(action, call.params, call.action),
                customer=call.requested_by,
                channel=conversation.slack_channel,
                thread_ts=conversation.slack_thread_ts,
                group=group_for(s, conversation, self.settings.support_group_id),
            )

    def note_approval_request(self, call_id: int, *, channel: str, ts: str) -> None:
        with transaction(self.sessions) as s:
            store.note_approval_request(s, call_id=call_id, channel=channel, ts=ts)

    # --- Approve / Cancel ----------------------------------------------------------------------

    def approve(
        self,
        *,
        call_id: int,
        user: str,
        in_thread: tuple[str, str] | None,
        in_message: tuple[str, str] | None = None,
        approvers: Approvers | None = None,
    ) -> Decided:
        """Approve a pending call and run it, once. Conflict when ``user`` may not approve it (a
        write: only the conversation's customer; an irreversible one: an admin, or on the support
        channel's request the support team); NotFound when the click is not from the call's own
        thread (``in_thread``) or, once put to the support team, from its request (``in_message``).
        A call pending longer than the settings allow is cancelled as expired, never run."""
        member = self._member(call_id, user, in_thread, in_message, approvers)
        started = expired = False
        with transaction(self.sessions) as s:
            call = self._clicked(s, call_id, in_thread, in_message)
            refusal = self._refusal(call, user, member=member)
            if refusal is None and call.state is ActionState.pending and self._expired(call):
                expired = store.expire_action_call(s, call_id=call_id, why=self._expiry())
            elif refusal is None:
                started = store.start_action_call(s, call_id=call_id, decided_by=user)
            action = (
                "action.refused" if refusal else "action.expired" if expired
                else "action.approved" if started else "action.click_ignored"
            )  # fmt: skip
            store.audit(
                s, actor=user, action=action, conversation_id=call.conversation_id, detail=detail(call)
            )
            conversation_id, name, state = call.conversation_id, call.action, call.state
            where = self._where(s, call)
            values = self._values(call) if started else {}
        if refusal is not None:
            raise Conflict(refusal)
        if expired:
            return Decided(
                call_id, conversation_id, ActionState.cancelled, True, EXPIRED, expired=True, **where
            )
        if not started:
            return Decided(call_id, conversation_id, state, changed=False, **where)
        said, error = self.run(call_id, self.catalogue.get(name), values, actor=user)
        if error is None:
            return Decided(call_id, conversation_id, ActionState.done, True, said, **where)
        done = hand_over(
            self.sessions,
            conversation_id=conversation_id,
            actor="supportbot",
            reason=error,
            kind=HandoverReason.gate,
            default_group=self.settings.support_group_id,
        )
        return Decided(call_id, conversation_id, ActionState.failed, True, FAILED, done, error=error, **where)

    def cancel(
        self,
        *,
        call_id: int,
        user: str,
        in_thread: tuple[str, str] | None,
        in_message: tuple[str, str] | None = None,
        approvers: Approvers | None = None,
    ) -> Decided:
        """Cancel a pending call: it is never run. The customer or an admin may, and on the support
        channel's request the support team."""
        member = self._member(call_id, user, in_thread, in_message, approvers)
        changed = False
        with transaction(self.sessions) as s:
            call = self._clicked(s, call_id, in_thread, in_message)
            refused = user != call.requested_by and user not in self.settings.admin_user_ids and not member
            if not refused:
                changed = store.cancel_action_call(s, call_id=call_id, decided_by=user)
            action = (
                "action.refused" if refused else "action.cancelled" if changed else "action.click_ignored"
            )
            store.audit(
                s, actor=user, action=action, conversation_id=call.conversation_id, detail=detail(call)
            )
            conversation_id, state = call.conversation_id, call.state
            where = self._where(s, call)
        if refused:
            who = "the support team" if where["by_team"] else "the customer who asked"
            raise Conflict(f"Only {who} (or an admin) can cancel this.")
        text = "Cancelled: nothing was done." if changed else None
        return Decided(call_id, conversation_id, state, changed, text, **where)

    def _clicked(
        self,
        session: Session,
        call_id: int,
        in_thread: tuple[str, str] | None,
        in_message: tuple[str, str] | None = None,
    ) -> ActionCall:
        """The call a button names, checked against where it was clicked (a button's value is only
        an id): its conversation's thread or, once put to the support team, that request alone."""
        call = store.get_action_call(session, call_id=call_id)
        if call is None:
            raise NotFound(f"action call {call_id} does not exist")
        if call.approval_ts is not None:
            if (in_thread, in_message) != (None, None) and in_message != (
                call.approval_channel,
                call.approval_ts,
            ):
                raise NotFound(f"action call {call_id} was not clicked on its approval request")
            return call
        conversation = session.get(Conversation, call.conversation_id)
        assert conversation is not None
        if in_thread is not None and (conversation.slack_channel, conversation.slack_thread_ts) != in_thread:
            raise NotFound(f"action call {call_id} is not in the thread that was clicked")
        return call

    def _member(
        self,
        call_id: int,
        user: str,
        in_thread: tuple[str, str] | None,
        in_message: tuple[str, str] | None,
        approvers: Approvers | None,
    ) -> bool:
        """Whether ``user`` is on the support team, asked (of Slack, outside any transaction) only
        for a click on a call's request in the support channel."""
        if approvers is None or user in self.settings.admin_user_ids:
            return False
        with self.sessions() as s:
            call = self._clicked(s, call_id, in_thread, in_message)
            if call.approval_ts is None:
                return False
            conversation = s.get(Conversation, call.conversation_id)
            assert conversation is not None
            group = group_for(s, conversation, None)
        return approvers.may_approve(user, group=group)

    def _refusal(self, call: ActionCall, user: str, *, member: bool) -> str | None:
        """Why ``user`` may not approve ``call`` (None: they may). ``member``: on the support team,
        clicking the call's request in the support channel."""
        if call.risk == Risk.irreversible.value:
            if user in self.settings.admin_user_ids or member:
                return None
            if call.approval_ts is not None:
                return "Only the support team (or an admin) can approve this."
            return "This one cannot be undone: a member of the support team has to approve it."
        if call.risk == Risk.write.value and user == call.requested_by:
            return None
        return "Only the customer who asked can approve this."

    def _expired(self, call: ActionCall) -> bool:
        return utcnow() - call.created_at > timedelta(hours=self.settings.actions_approval_ttl_hours)

    def _expiry(self) -> str:
        return f"expired: not approved within {self.settings.actions_approval_ttl_hours:g} h"

    @staticmethod
    def _where(session: Session, call: ActionCall) -> dict[str, Any]:
        """A decision's places: the customer's thread, and whether it was the team's request."""
        conversation = session.get(Conversation, call.conversation_id)
        assert conversation is not None
        thread = (conversation.slack_channel, conversation.slack_thread_ts)
        customer = thread if thread[0] and thread[1] else None
        return {"customer_thread": customer, "by_team": call.approval_ts is not None}

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
    elif call.state is ActionState.cancelled and call.error:  # expired
        out["error"] = call.error
    return out
