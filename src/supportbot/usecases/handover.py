"""The hand-over lifecycle: a conversation handed to a human (the customer asked, or the gate
decided), claimed by an agent, resolved (the customer rates it 1–5) or handed back to the bot.

From the moment a human other than the customer posts in the thread the bot stays quiet there
(it still records every message) until an agent hands it back. Every step an agent takes is
audited, and so is a step refused to someone outside the support team. The state lives in the
database (``core.store.handover``); Slack is only where the buttons are. With a support channel,
the request is posted there (``note_request`` keeps where): its buttons are the conversation's
too, and its thread is relayed to the customer's (usecases.relay).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import HandoverReason, HandoverState, Outcome
from supportbot.core.errors import Forbidden, NotFound
from supportbot.core.models import Conversation
from supportbot.usecases.threads import clicked_reply

Sessions = sessionmaker[Session]
# What the agent reads of each line: enough to know the case, short enough for a notification.
SUMMARY_LINE_CHARS = 140
GIST_MIN_CHARS = 60
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class HandoverView:
    """A conversation's hand-over state, as plain values for whoever shows it."""

    conversation_id: int
    state: HandoverState | None
    customer: str | None
    agent: str | None
    bot_quiet: bool
    csat: int | None
    summary: str | None
    channel: str | None
    thread_ts: str | None
    request_channel: str | None = None  # where the request for the support team was posted
    request_ts: str | None = None

    @classmethod
    def of(cls, conversation: Conversation) -> HandoverView:
        return cls(
            conversation_id=conversation.id,
            state=conversation.handover,
            customer=conversation.slack_user,
            agent=conversation.agent_user,
            bot_quiet=conversation.bot_quiet_since is not None,
            csat=conversation.csat,
            summary=conversation.handover_summary,
            channel=conversation.slack_channel or None,
            thread_ts=conversation.slack_thread_ts or None,
            request_channel=conversation.handover_channel,
            request_ts=conversation.handover_ts,
        )

    @property
    def request_apart(self) -> bool:
        """Whether the request was posted apart from the customer's thread (the support channel)."""
        return self.request_ts is not None and (self.request_channel, self.request_ts) != (
            self.channel,
            self.thread_ts,
        )


@dataclass(frozen=True)
class HandedOver:
    """A hand-over: the conversation's state, and the user group to tag (None: no group set).
    ``open_request``: (channel, ts) of the request posted for a hand-over still open before this
    one (asked again: said in its thread rather than in a second request)."""

    view: HandoverView
    group: str | None
    open_request: tuple[str, str] | None = None

    @property
    def conversation_id(self) -> int:
        return self.view.conversation_id

    @property
    def summary(self) -> str:
        return self.view.summary or ""


def _trimmed(text: str, limit: int = SUMMARY_LINE_CHARS) -> str:
    """One line of at most ``limit`` characters, cut at a word boundary."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0] or line[: limit - 1]
    return cut.rstrip(" ,;:.") + "…"


def _gist(text: str) -> str:
    """The opening sentences of an answer, enough of them to say something (a greeting alone
    does not), trimmed."""
    gist = ""
    for sentence in SENTENCE_END.split(" ".join(text.split())):
        gist = f"{gist} {sentence}".strip()
        if len(gist) >= GIST_MIN_CHARS:
            break
    return _trimmed(gist)


def summary_of(turns: store.SummaryTurns, *, reason: str | None = None) -> str:
    """Two plain lines for the agent: the customer's first question; the bot's last answer in
    brief, or why it handed over. Built from stored (redacted) text only."""
    first = "Customer asked: " + (_trimmed(turns.first_question) if turns.first_question else "(nothing yet)")
    why = reason or (turns.last_reason if turns.last_outcome == Outcome.handover.value else None)
    if why:
        second = "Handed over: " + _trimmed(why)
    elif turns.last_reply:
        second = "Bot answered: " + _gist(turns.last_reply)
    else:
        second = "Bot answered: (nothing yet)"
    return f"{first}\n{second}"


def two_line_summary(sessions: Sessions, *, conversation_id: int) -> str:
    """The two lines shown to the agent on a hand-over (see ``summary_of``)."""
    with sessions() as s:
        if s.get(Conversation, conversation_id) is None:
            raise NotFound(f"conversation {conversation_id} does not exist")
        return summary_of(store.summary_turns(s, conversation_id=conversation_id))


def group_for(session: Session, conversation: Conversation, default_group: str | None) -> str | None:
    """The support group a conversation's hand-overs tag: its channel's own, else ``default_group``."""
    if not conversation.slack_channel:
        return default_group
    config = store.get_channel_settings(
        session, team=conversation.slack_team, channel=conversation.slack_channel
    )
    return config.handover_group or default_group


def hand_over(
    sessions: Sessions,
    *,
    actor: str,
    reply_id: int | None = None,
    conversation_id: int | None = None,
    shown_in: tuple[str, str] | None = None,
    reason: str | None = None,
    kind: HandoverReason | None = None,
    default_group: str | None = None,
) -> HandedOver:
    """Hand a conversation to a human: waiting for one (status escalated) with the agent's
    two-line summary, audited. Either the reply whose "Talk to a human" was clicked
    (``reply_id``, checked against ``shown_in``: (channel, ts) of the clicked Slack message) or
    the conversation the bot handed over (``conversation_id``, ``reason``: why, in words).
    ``kind``: why, as one of HandoverReason (default: asked with a click, the gate otherwise).
    ``default_group``: the group to tag unless the channel names its own."""
    if (reply_id is None) == (conversation_id is None):
        raise ValueError("hand_over needs exactly one of reply_id and conversation_id")
    with transaction(sessions) as s:
        if reply_id is not None:
            conversation_id = clicked_reply(s, reply_id=reply_id, shown_in=shown_in).conversation_id
        assert conversation_id is not None
        summary = summary_of(store.summary_turns(s, conversation_id=conversation_id), reason=reason)
        if kind is None:
            kind = HandoverReason.asked if reply_id is not None else HandoverReason.gate
        before = s.get(Conversation, conversation_id)
        open_before = store.open_request(before) if before is not None else None
        conversation = store.mark_waiting(s, conversation_id=conversation_id, summary=summary, reason=kind)
        store.audit(
            s,
            actor=actor,
            action="conversation.handover",
            conversation_id=conversation_id,
            message_id=reply_id,
            detail={"kind": kind.value, **({"reason": reason} if reason else {})},
        )
        return HandedOver(
            HandoverView.of(conversation), group_for(s, conversation, default_group), open_before
        )


def note_request(sessions: Sessions, *, conversation_id: int, channel: str, ts: str) -> HandoverView:
    """The hand-over request was posted at (channel, ts) for the support team: its buttons act on
    the conversation, and its thread is relayed to the customer's."""
    with transaction(sessions) as s:
        conversation = store.set_handover_request(s, conversation_id=conversation_id, channel=channel, ts=ts)
        return HandoverView.of(conversation)


class Agents(Protocol):
    """Who may take a hand-over's steps: the support team (bot.support_team asks Slack who is in
    it). ``group``: the group the conversation's channel tags, if it names its own."""

    def may_act(self, user: str, *, group: str | None) -> bool: ...


def _in_thread(session: Session, conversation_id: int, thread: tuple[str, str] | None) -> Conversation:
    """A button's value is only an id: the click must come from the conversation's own thread, or
    from its hand-over request (the support channel's message and its thread)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"conversation {conversation_id} does not exist")
    if thread is None:
        return conversation
    own = (conversation.slack_channel, conversation.slack_thread_ts)
    request = (conversation.handover_channel, conversation.handover_ts)
    if thread != own and (request[1] is None or thread != request):
        raise NotFound(f"conversation {conversation_id} is not the thread that was clicked")
    return conversation


def _check_agent(
    sessions: Sessions,
    agents: Agents,
    *,
    conversation_id: int,
    agent: str,
    in_thread: tuple[str, str] | None,
    action: str,
) -> None:
    """Forbidden (the refusal audited, nothing else changed) unless ``agent`` is on the team.
    Slack is asked outside any transaction."""
    with sessions() as s:
        group = group_for(s, _in_thread(s, conversation_id, in_thread), None)
    if agents.may_act(agent, group=group):
        return
    with transaction(sessions) as s:
        store.audit(
            s,
            actor=agent,
            action="conversation.refused",
            conversation_id=conversation_id,
            detail={"step": action},
        )
    raise Forbidden(
        "only the support team and supportbot admins can take, resolve or hand back a conversation"
    )


def _agent_step(
    sessions: Sessions,
    *,
    conversation_id: int,
    agent: str,
    in_thread: tuple[str, str] | None,
    change: Callable[..., Conversation],
    action: str,
    agents: Agents | None,
) -> HandoverView:
    """One step an agent takes, checked against the clicked thread (and, given ``agents``, against
    the support team) and audited."""
    if agents is not None:
        _check_agent(
            sessions, agents, conversation_id=conversation_id, agent=agent, in_thread=in_thread, action=action
        )
    with transaction(sessions) as s:
        _in_thread(s, conversation_id, in_thread)
        conversation = change(s, conversation_id=conversation_id, agent=agent)
        store.audit(s, actor=agent, action=action, conversation_id=conversation_id)
        return HandoverView.of(conversation)


def claim(
    sessions: Sessions,
    *,
    conversation_id: int,
    agent: str,
    in_thread: tuple[str, str] | None = None,
    agents: Agents | None = None,
) -> HandoverView:
    """ "I'll take it": ``agent`` holds the conversation; the bot stays quiet there.
    ``in_thread``: (channel, thread ts) of the clicked button, checked against the conversation;
    ``agents``: who may (None: anyone but the customer)."""
    return _agent_step(
        sessions, conversation_id=conversation_id, agent=agent, in_thread=in_thread,
        change=store.claim_handover, action="conversation.claim", agents=agents,
    )  # fmt: skip


def resolve(
    sessions: Sessions,
    *,
    conversation_id: int,
    agent: str,
    in_thread: tuple[str, str] | None = None,
    agents: Agents | None = None,
) -> HandoverView:
    """ "Resolved": the agent closes the conversation (then the customer is asked for a rating)."""
    return _agent_step(
        sessions, conversation_id=conversation_id, agent=agent, in_thread=in_thread,
        change=store.resolve_handover, action="conversation.resolve", agents=agents,
    )  # fmt: skip


def hand_back(
    sessions: Sessions,
    *,
    conversation_id: int,
    agent: str,
    in_thread: tuple[str, str] | None = None,
    agents: Agents | None = None,
) -> HandoverView:
    """ "Hand back to the bot": the bot answers the thread's next messages again."""
    return _agent_step(
        sessions, conversation_id=conversation_id, agent=agent, in_thread=in_thread,
        change=store.hand_back, action="conversation.hand_back", agents=agents,
    )  # fmt: skip


def record_csat(
    sessions: Sessions,
    *,
    conversation_id: int,
    user: str,
    score: int,
    in_thread: tuple[str, str] | None = None,
) -> HandoverView:
    """The customer's 1–5 rating of the resolved conversation. Anyone but its customer, a score
    outside 1..5 or a conversation not resolved: InvalidInput / Conflict, nothing stored."""
    with transaction(sessions) as s:
        _in_thread(s, conversation_id, in_thread)
        conversation = store.record_csat(s, conversation_id=conversation_id, user=user, score=score)
        return HandoverView.of(conversation)


def note_human_joined(sessions: Sessions, *, conversation_id: int, user: str) -> bool:
    """``user`` posted in the conversation's thread: unless that is the customer, the bot goes
    quiet there. True when it went quiet just now (the first human to join)."""
    with transaction(sessions) as s:
        return store.note_human_joined(s, conversation_id=conversation_id, user=user)


def bot_may_answer(sessions: Sessions, *, conversation_id: int) -> bool:
    """Whether the bot answers in this conversation: no human joined it and no agent holds it."""
    with sessions() as s:
        return store.bot_may_answer(s, conversation_id=conversation_id)


def handover_state(sessions: Sessions, *, conversation_id: int) -> HandoverView:
    """The conversation's hand-over state now."""
    with sessions() as s:
        conversation = s.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound(f"conversation {conversation_id} does not exist")
        return HandoverView.of(conversation)
