"""One customer message, one plan: the single pipeline every entry point runs.

Slack (bot.listeners.messages), the local chat and `supportbot ask` hand each message to
``Pipeline.take``, which decides everything about it — is it for the bot here (a thread the bot
takes no part in, a channel that wants mentions only), is it a person's turn in a customer's
thread, has a person taken the thread, the triage (frustration, a second ask, a topic for people),
the channel's private mode and categories, the relay between a customer's thread and its
hand-over request (usecases.relay) — and stores what must be stored before anything can fail.
Its ``Plan`` says what to do: stay quiet, say the hand-over text, relay, or answer. ``answer``
writes the answer (retrieval, model, the checks: usecases.answer) and ``escalate`` records a
hand-over the answer ended in, with what the support team is told. The entry points only render:
Slack streams and posts blocks, the chat and `ask` print, so `ask` measures what Slack sends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from supportbot.core.enums import AnswerMode, HandoverReason, Role, Sentiment
from supportbot.core.settings import Settings
from supportbot.usecases.answer import Responder
from supportbot.usecases.channels import channel_settings
from supportbot.usecases.handover import bot_may_answer, hand_over, note_human_joined
from supportbot.usecases.messages import Incoming, Reply
from supportbot.usecases.relay import Relay, from_request_thread, to_request_thread
from supportbot.usecases.threads import thread_state
from supportbot.usecases.triage import Action

log = logging.getLogger(__name__)

# What the support team is told, by why the bot handed over.
TAKE_OVER = {
    HandoverReason.gate: "could you take over this thread? I could not answer it well enough.",
    HandoverReason.frustration: "could you take over this thread? The customer is frustrated.",
    HandoverReason.repeated_ask: "could you take over this thread? The customer asked for a person.",
    HandoverReason.topic: "could you take over this thread? Its topic always goes to a person.",
}


class Where(StrEnum):
    """Where a message was written, as the entry point saw it."""

    mention = "mention"  # an @mention anywhere
    im = "im"  # a direct message (the local chat and `ask` are one too)
    thread = "thread"  # a reply in a thread: for the bot only where it takes part
    channel = "channel"  # a top-level channel message: only where the channel wants every message
    related = "related"  # a related question the customer picked under an answer


class Step(StrEnum):
    quiet = "quiet"  # nothing to say: not for the bot, a person's turn, or a person holds the thread
    repeat = "repeat"  # handled before (a second delivery of the same message)
    handover = "handover"  # the triage hands over before any answer: ``Plan.reply`` is its text
    answer = "answer"  # ``Pipeline.answer`` writes the reply
    relay = "relay"  # an agent's reply in a hand-over request's thread, for the customer's thread


@dataclass(frozen=True)
class Plan:
    step: Step
    why: str
    question_id: int | None = None
    conversation_id: int | None = None
    first_in_thread: bool = False  # the thread's first message (the assistant pane's title)
    offer: bool = False  # a person is offered with the answer at once
    private: bool = False  # shown only to the asker (the channel's private mode)
    categories: tuple[str, ...] = ()  # search only these (the channel's setting; empty: all)
    reply: Reply | None = None  # the stored hand-over message (step handover)
    negative: bool = False  # the customer's turn read negative (Slack watches for a surge)
    relay: Relay | None = None  # to post for the other side of a hand-over (usecases.relay)


@dataclass(frozen=True)
class Escalation:
    """A hand-over recorded: whom to tag, and what the support team is told."""

    conversation_id: int
    group: str | None
    ask: str  # "could you take over this thread? …"
    summary: str | None
    open_request: tuple[str, str] | None = None  # the request still open from before, if any


@dataclass(frozen=True)
class Handled:
    """The whole of one message, for entry points that do not stream (the local chat, `ask`)."""

    plan: Plan
    reply: Reply | None = None
    escalation: Escalation | None = None

    @property
    def said(self) -> bool:
        return self.reply is not None


class Pipeline:
    def __init__(self, responder: Responder, settings: Settings) -> None:
        self.responder = responder
        self.settings = settings
        self.sessions = responder.sessions

    def take(self, incoming: Incoming, *, where: Where = Where.im, retry: bool = False) -> Plan:
        """Store the message where it is for the bot (or a person's turn in its thread), score it,
        and decide. ``retry``: a second attempt at the same delivery (a stored message is then
        worked on again, not dropped as a repeat)."""
        channel, thread_ts = incoming.channel or "", incoming.thread_ts or incoming.ts or ""
        if where is Where.thread and (relayed := self._from_request_thread(incoming, retry)) is not None:
            return relayed
        thread = thread_state(
            self.sessions, team=incoming.team, channel=channel, thread_ts=thread_ts, source=incoming.source
        )
        if where is Where.thread and (thread is None or not thread.bot_took_part):
            return Plan(Step.quiet, "a thread the bot takes no part in")
        config = channel_settings(self.sessions, team=incoming.team, channel=channel)
        if where is Where.channel and config.answer_mode != AnswerMode.all:
            return Plan(Step.quiet, "a channel message where the channel wants mentions only")
        human = thread is not None and thread.customer is not None and incoming.user != thread.customer
        recorded = self.responder.record(incoming, role=Role.agent if human else Role.user)
        question_id, conversation_id = recorded.message.id, recorded.message.conversation_id
        if not recorded.created and not retry:
            return Plan(Step.repeat, "handled before", question_id, conversation_id)
        if human and incoming.user:
            note_human_joined(self.sessions, conversation_id=conversation_id, user=incoming.user)
            return Plan(Step.quiet, "a person's turn: the bot is quiet here", question_id, conversation_id)
        if not incoming.text:
            return Plan(Step.quiet, "no text", question_id, conversation_id)
        # Every customer turn is scored, answered or not (a person may hold the thread).
        assessment = self.responder.triage.assess(
            message_id=question_id, conversation_id=conversation_id, text=incoming.text
        )
        negative = assessment.mood is not None and assessment.mood.label is Sentiment.negative
        relay = to_request_thread(
            self.sessions, conversation_id=conversation_id, author=incoming.user, text=recorded.message.text
        )
        if not bot_may_answer(self.sessions, conversation_id=conversation_id):
            return Plan(
                Step.quiet,
                "a person holds the thread",
                question_id,
                conversation_id,
                negative=negative,
                relay=relay,
            )
        plan = Plan(
            Step.answer,
            assessment.why or "answer",
            question_id,
            conversation_id,
            first_in_thread=thread is None,
            offer=assessment.action is Action.offer,
            private=config.private,
            categories=tuple(config.categories),
            negative=negative,
            relay=relay,
        )
        if assessment.hands_over:
            return replace(
                plan,
                step=Step.handover,
                offer=False,
                reply=self.responder.hand_over_now(question_id, assessment),
            )
        return plan

    def _from_request_thread(self, incoming: Incoming, retry: bool) -> Plan | None:
        """An agent's reply in a hand-over request's thread (the support channel): stored in the
        customer's conversation, and relayed there. None: not a request's thread."""
        turn = from_request_thread(self.sessions, incoming)
        if turn is None:
            return None
        if not turn.created and not retry:
            return Plan(Step.repeat, "handled before", turn.message_id, turn.conversation_id)
        return Plan(
            Step.relay,
            "an agent's reply for the customer",
            turn.message_id,
            turn.conversation_id,
            relay=turn.relay,
        )

    def answer(
        self,
        plan: Plan,
        *,
        on_text: Callable[[str], None] | None = None,
        shown_in: tuple[str, str | Callable[[], str | None]] | None = None,
    ) -> Reply:
        """The reply to a plan to answer (usecases.answer), streamed through ``on_text`` if given;
        ``shown_in``: (channel, ts or a callable giving it) of the message that will show it.
        A message asking for one of the team's declared actions is answered by it (usecases.actions)."""
        assert plan.step is Step.answer and plan.question_id is not None
        actions = self.responder.actions
        acted = actions.answer(plan.question_id, shown_in=shown_in) if actions is not None else None
        if acted is not None:
            return acted
        channel, ts = shown_in if shown_in is not None else (None, None)
        reply = self.responder.answer(
            plan.question_id, slack_channel=channel, slack_ts=ts, on_text=on_text, categories=plan.categories
        )
        reply.offer_human = plan.offer and not reply.escalated
        return reply

    def escalate(self, reply: Reply) -> Escalation | None:
        """A reply that hands over puts the conversation in front of the support team: recorded
        here (waiting for a person, with its two-line summary); None for any other reply."""
        if not reply.escalated:
            return None
        kind = reply.handover_reason or HandoverReason.gate
        done = hand_over(
            self.sessions,
            conversation_id=reply.conversation_id,
            actor="supportbot",
            reason=reply.reason,
            kind=kind,
            default_group=self.settings.support_group_id,
        )
        return Escalation(
            reply.conversation_id,
            done.group,
            TAKE_OVER.get(kind, TAKE_OVER[HandoverReason.gate]),
            done.view.summary,
            done.open_request,
        )

    def run(self, incoming: Incoming, *, where: Where = Where.im) -> Handled:
        """Take, answer and escalate one message, without streaming."""
        plan = self.take(incoming, where=where)
        if plan.step is Step.handover:
            assert plan.reply is not None
            return Handled(plan, plan.reply, self.escalate(plan.reply))
        if plan.step is not Step.answer:
            return Handled(plan)
        reply = self.answer(plan)
        return Handled(plan, reply, self.escalate(reply))
