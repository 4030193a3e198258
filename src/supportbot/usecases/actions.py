"""The team's declared HTTP actions, run for a customer from the one answer pipeline.

``ActionDesk.answer`` comes first in ``usecases.respond.Pipeline.answer``: when the customer's
message asks for a declared action (usecases.action_match; or, with SUPPORTBOT_ACTIONS_TOOLS, the
model's tool call), its parameters come from the customer's own turns of this conversation. A
missing one is asked for (the next turn continues the action); never guessed. Then by risk:

- ``read``: called at once (usecases.action_http), answered from the result's fields;
- ``write``: the customer is told in plain words what will be done, with Approve / Cancel;
- ``irreversible``: the same, but only an admin may approve it; where a support channel is set,
  the approval is asked of the support team there (the bot posts ``approval_request``), and the
  customer is told a person must approve it.

``approve`` starts a pending call with one conditional UPDATE (a second click runs nothing),
calls it, and answers; ``cancel`` ends it uncalled. Every call, approval, cancellation and refused
click is audited (who, which action, the parameters redacted, the result). A call that fails
(refused host, timeout, non-2xx, bad JSON, a missing field) hands the conversation to a person
with the reason in the hand-over summary, and the customer is never told a status.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.actions_config import ActionSpec, Catalogue, Risk, load_actions
from supportbot.core.db import transaction
from supportbot.core.enums import ActionState, HandoverReason, Outcome, Role
from supportbot.core.errors import ModelUnavailable
from supportbot.core.models import ActionCall, Conversation
from supportbot.core.originals import Sealer
from supportbot.core.settings import Settings
from supportbot.usecases.action_calls import (
    FAILED,
    ApprovalAsk,
    Approvers,
    Calls,
    Decided,
    describe,
    detail,
)
from supportbot.usecases.action_http import Resolver, resolve
from supportbot.usecases.action_match import Found, find_params, match_action, tool_of
from supportbot.usecases.decide import Decision
from supportbot.usecases.messages import TEAM, Reply
from supportbot.usecases.replies import store_reply

if TYPE_CHECKING:
    from supportbot.usecases.model_client import ModelClient

log = logging.getLogger(__name__)

ASK_APPROVAL = {
    Risk.write: "Here is what I'll do: {what}\nPress *Approve* to go ahead, or *Cancel*.",
    Risk.irreversible: (
        "Here is what I would do: {what}\nIt cannot be undone, so a member of our support team has "
        "to approve it first."
    ),
}
# An irreversible one put to the support channel: the customer is told, the team has the buttons.
ASK_TEAM = (
    "Here is what I would do: {what}\nIt cannot be undone, so a member of our support team has to "
    "approve it first. I've asked them; you'll hear here once they have."
)
APPROVER = {Risk.write: "customer", Risk.irreversible: "agent"}
TOOLS_SYSTEM = "Call a tool only when the customer asks for exactly what it does."


@dataclass(frozen=True)
class _Asked:
    """A stored customer turn and what of its conversation an action may use."""

    question_id: int
    conversation_id: int
    customer: str | None
    text: str  # the turn, as stored (redacted)
    turns: list[str]  # the customer's own turns up to this one, newest first, as they typed them
    said: list[str]  # the same, redacted, oldest first (what a model may read)
    continues: str | None  # the action whose parameter the bot's last reply asked for


class ActionDesk:
    def __init__(
        self,
        catalogue: Catalogue,
        *,
        settings: Settings,
        sessions: sessionmaker[Session],
        model: ModelClient | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        self.catalogue, self.settings, self.sessions, self.model = catalogue, settings, sessions, model
        self.sealer = Sealer.from_settings(settings)
        self.calls = Calls(settings, sessions, catalogue, self.sealer, resolver)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        sessions: sessionmaker[Session],
        model: ModelClient | None = None,
        *,
        env: Mapping[str, str] | None = None,
    ) -> ActionDesk | None:
        """The desk of the settings' actions file (None: no file, or no action in it). The file and
        the secrets its actions name are read here, once, when the responder is built."""
        path = settings.actions_path
        if path is None:
            return None
        catalogue = load_actions(path, env=os.environ if env is None else env)
        return (
            cls(catalogue, settings=settings, sessions=sessions, model=model) if catalogue.actions else None
        )

    # --- a customer's turn -------------------------------------------------------------------

    def answer(
        self, question_id: int, *, shown_in: tuple[str, str | Callable[[], str | None]] | None = None
    ) -> Reply | None:
        """The reply when the stored turn asks for a declared action; None: answer it as usual."""
        asked = self._asked(question_id)
        if asked is None:
            return None
        action = match_action(self.catalogue, asked.text)
        suggested: dict[str, Any] | None = None
        if action is None and asked.continues is not None:
            action = self.catalogue.get(asked.continues)
        if action is None:
            action, suggested = self._by_tool(asked)
        if action is None:
            return None
        found = find_params(action, turns=asked.turns, user=asked.customer, suggested=suggested)
        if found.missing:
            param = found.missing[0]
            why = f"action {action.name}: asked the customer for {param.name}"
            details = {"action": action.name, "action_asks": param.name}
            return self._reply(asked, Decision(Outcome.action, param.ask, why), details, shown_in)
        if action.risk is Risk.read:
            return self._run_now(asked, action, found, shown_in)
        return self._propose(asked, action, found, shown_in)

    def _asked(self, question_id: int) -> _Asked | None:
        with self.sessions() as s:
            question = store.find_message(s, message_id=question_id)
            if question is None or question.role != Role.user or store.reply_to(s, message_id=question_id):
                return None  # a reply exists: it stands (the responder returns it)
            conversation = s.get(Conversation, question.conversation_id)
            assert conversation is not None
            customer = conversation.slack_user
            before = [m for m in conversation.messages if m.id <= question.id]
            own = [
                m for m in before if m.role == Role.user and (customer is None or m.slack_user == customer)
            ]
            last_bot = next((m for m in reversed(before) if m.role == Role.assistant), None)
            asks = (last_bot.details or {}) if last_bot is not None else {}
            return _Asked(
                question_id=question.id,
                conversation_id=conversation.id,
                customer=customer,
                text=question.text,
                turns=[self._as_typed(m.text, m.original_encrypted) for m in reversed(own)],
                said=[m.text for m in own],
                continues=asks.get("action") if asks.get("action_asks") else None,
            )

    def _as_typed(self, text: str, sealed: str | None) -> str:
        """What the customer typed: the original where the team keeps them, else the stored text."""
        if sealed is None or self.sealer is None:
            return text
        try:
            return self.sealer.open(sealed)
        except Exception:  # a changed key: the redacted text is what there is
            log.warning("an original could not be opened for an action's parameters")
            return text

    def _by_tool(self, asked: _Asked) -> tuple[ActionSpec | None, dict[str, Any] | None]:
        """The model's tool call, where the settings say the endpoint's model makes them."""
        if not self.settings.actions_tools or self.model is None:
            return None, None
        messages = [{"role": "system", "content": TOOLS_SYSTEM}] + [
            {"role": "user", "content": text} for text in asked.said
        ]
        try:
            picked = self.model.pick_tool(messages, [tool_of(a) for a in self.catalogue.actions])
        except ModelUnavailable as exc:
            log.warning("no tool call: %s", exc)
            return None, None
        if picked is None:
            return None, None
        return self.catalogue.get(picked[0]), picked[1]

    def _run_now(
        self, asked: _Asked, action: ActionSpec, found: Found, shown_in: tuple[str, Any] | None
    ) -> Reply:
        with transaction(self.sessions) as s:
            call_id = self._new_call(s, asked, action, found, ActionState.running).id
        said, error = self.calls.run(call_id, action, found.values, actor=asked.customer or "customer")
        details: dict[str, Any] = {"action": action.name, "action_call": call_id}
        if error is not None:
            details["handover_reason"] = HandoverReason.gate.value
            return self._reply(asked, Decision(Outcome.handover, FAILED, error), details, shown_in)
        assert said is not None
        return self._reply(
            asked, Decision(Outcome.action, said, f"action {action.name} ran"), details, shown_in
        )

    def _propose(
        self, asked: _Asked, action: ActionSpec, found: Found, shown_in: tuple[str, Any] | None
    ) -> Reply:
        with transaction(self.sessions) as s:
            call = self._new_call(s, asked, action, found, ActionState.pending)
            store.audit(
                s,
                actor=asked.customer or "customer",
                action="action.requested",
                conversation_id=asked.conversation_id,
                detail=detail(call, found.values),
            )
            call_id = call.id
        team = action.risk is Risk.irreversible and bool(self.settings.support_channel)
        text = (ASK_TEAM if team else ASK_APPROVAL[action.risk]).format(what=describe(action, found.values))
        approver = TEAM if team else APPROVER[action.risk]
        details = {"action": action.name, "action_call": call_id, "approval_by": approver}
        why = f"action {action.name}: approval asked"
        return self._reply(asked, Decision(Outcome.action, text, why), details, shown_in)

    def _reply(
        self,
        asked: _Asked,
        decision: Decision,
        details: dict[str, Any],
        shown_in: tuple[str, str | Callable[[], str | None]] | None,
    ) -> Reply:
        details = {**details, "reason": decision.reason}
        where: tuple[str, str] | None = None
        if shown_in is not None:
            channel, given = shown_in
            ts = given() if callable(given) else given
            where = (channel, ts) if channel and ts else None
        reply = store_reply(
            self.sessions,
            asked.question_id,
            asked.conversation_id,
            decision=decision,
            completion=None,
            sources=[],
            details=details,
            latency_ms=0,
            shown_in=where,
        )
        if details.get("approval_by"):
            reply.approval, reply.approval_by = details["action_call"], details["approval_by"]
        return reply

    def _new_call(
        self, session: Session, asked: _Asked, action: ActionSpec, found: Found, state: ActionState
    ) -> ActionCall:
        return self.calls.new(
            session,
            conversation_id=asked.conversation_id,
            question_id=asked.question_id,
            customer=asked.customer,
            action=action,
            values=found.values,
            state=state,
        )

    # --- Approve / Cancel (usecases.action_calls) --------------------------------------------

    def approval_request(self, call_id: int) -> ApprovalAsk | None:
        """What to ask the support team for a pending irreversible call (None: asked before)."""
        return self.calls.approval_request(call_id)

    def note_approval_request(self, call_id: int, *, channel: str, ts: str) -> None:
        """Where it was asked: that message's buttons alone count from now on."""
        self.calls.note_approval_request(call_id, channel=channel, ts=ts)

    def approve(
        self,
        *,
        call_id: int,
        user: str,
        in_thread: tuple[str, str] | None,
        in_message: tuple[str, str] | None = None,
        approvers: Approvers | None = None,
    ) -> Decided:
        """Approve a pending call and run it, once (see ``Calls.approve``)."""
        return self.calls.approve(
            call_id=call_id, user=user, in_thread=in_thread, in_message=in_message, approvers=approvers
        )

    def cancel(
        self,
        *,
        call_id: int,
        user: str,
        in_thread: tuple[str, str] | None,
        in_message: tuple[str, str] | None = None,
        approvers: Approvers | None = None,
    ) -> Decided:
        """Cancel a pending call: it is never run (see ``Calls.cancel``)."""
        return self.calls.cancel(
            call_id=call_id, user=user, in_thread=in_thread, in_message=in_message, approvers=approvers
        )
