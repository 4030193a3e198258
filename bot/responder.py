"""The answer pipeline, free of Slack: the Slack listeners and the local chat both call it.

1. store the question first (idempotent on the Slack event) — nothing after this can lose it;
2. thread history from our database; 3. similar solved tickets (side by side with 5 when the
prompt carries no tickets, the default); 4. the prompt (identifiers masked, history trimmed to
the context window); 5. the model; 6. the grounding guard;
7. the confidence gate; 8. the reply, stored with everything that explains it.
The model being down never means silence: the best ticket's resolution (labelled as such) or a
hand-over to a human.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from bot.grounding import TermWeights, check_against_sources, guard
from bot.model_client import Completion, ModelClient
from core import store
from core.db import transaction
from core.errors import ModelUnavailable, NotFound
from core.identifiers import Masker, generalise, present_past
from core.models import ConversationStatus, Message, Role
from core.prompt import ContextTicket, build_messages, end_on_sentence, trim_history

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Incoming:
    """A customer's message, as plain data (the listener strips everything Slack-specific)."""

    text: str
    source: str = "slack"
    team: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    user: str | None = None
    ts: str | None = None
    event_id: str | None = None
    # Only when a team keeps originals (core.originals): the sealed text as typed. ``text`` is
    # always redacted.
    original_encrypted: str | None = None


@dataclass(frozen=True)
class Source:
    ticket_id: int | None
    external_id: str
    score: float
    question: str
    resolution: str


@dataclass
class Reply:
    message_id: int
    question_id: int
    conversation_id: int
    text: str
    outcome: str  # model | fallback | handover
    escalated: bool
    sources: list[Source] = field(default_factory=list)
    confidence: float | None = None
    model_version: str | None = None
    latency_ms: int = 0
    reason: str | None = None


class Searcher(Protocol):
    def search(self, text: str, k: int | None = None) -> list[Any]: ...


HANDOVER = (
    "I'm not sure I can answer this one correctly, so I've asked a member of our support team to take over."
)
DOWN = "⚠️ Our assistant is unavailable right now."


class Responder:
    def __init__(
        self,
        *,
        settings: Any,
        sessions: Any,
        retriever: Searcher | None,
        model: ModelClient | None,
        history_turns: int = 20,
        index_problem: str | None = None,
    ) -> None:
        self.settings = settings
        self.index_problem = index_problem  # why ``retriever`` is None, when it is
        self.sessions = sessions
        self.retriever = retriever
        self.model = model
        self.history_turns = history_turns
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._weights: tuple[float, TermWeights] | None = None  # (when computed, the weights)

    # --- 1. the question, stored first ---------------------------------------------------------

    def record(self, incoming: Incoming) -> store.Recorded:
        with transaction(self.sessions) as s:
            return store.record_user_turn(
                s,
                text=incoming.text,
                source=incoming.source,
                team=incoming.team,
                channel=incoming.channel,
                thread_ts=incoming.thread_ts,
                user=incoming.user,
                ts=incoming.ts,
                event_id=incoming.event_id,
                original_encrypted=incoming.original_encrypted,
            )

    def handle(self, incoming: Incoming) -> Reply | None:
        """Store and answer; None when this message was seen before (a retried delivery)."""
        recorded = self.record(incoming)
        if not recorded.created:
            return None
        return self.answer(recorded.message.id)

    def warm_up(self) -> float:
        """Run the pipeline's parts once before the first customer does; returns the seconds taken.

        First calls pay for lazy set-up (the embedder's first forward pass, SQL compilation, the
        client's modules and response models) while holding the GIL: in a process that also acks
        Slack's events, that would stall the first acks. The model is asked for one token if it
        answers within a few seconds (it may not be up yet: the bot falls back until it is).
        """
        started = time.perf_counter()
        if self.retriever is not None:
            try:
                self.retriever.search("Hello, my order has not arrived yet.", k=1)
            except Exception as exc:  # real questions will search, or fail, the same way
                log.warning("warm-up search failed: %s", exc)
            try:
                self._term_weights()
            except Exception as exc:
                log.warning("warm-up of the word weights failed: %s", exc)
        # Every statement an answer runs, once, in a transaction that is then rolled back.
        with self.sessions() as s:
            try:
                recorded = store.record_user_turn(
                    s, text="warm-up", source="warm-up", channel="warm-up", thread_ts="0", ts="0"
                )
                question = recorded.message
                store.thread_history(
                    s, conversation_id=question.conversation_id, before_id=question.id, limit=1
                )
                store.record_reply(
                    s, reply_to_id=question.id, text="warm-up", details={}, hits=[],
                    slack_channel="warm-up", slack_ts="0.1",
                )  # fmt: skip
                store.reply_to(s, message_id=question.id)
                store.find_conversation(s, team=None, channel="warm-up", thread_ts="0")
            finally:
                s.rollback()
        if self.model is not None:
            self.model.warm_up()
        return time.perf_counter() - started

    # --- 2..8 ----------------------------------------------------------------------------------

    def answer(
        self,
        question_id: int,
        *,
        slack_channel: str | None = None,
        slack_ts: str | Callable[[], str | None] | None = None,
    ) -> Reply:
        """Answer a stored question; ``slack_ts``: the Slack message that will show the answer (the
        placeholder), stored with the reply in the same transaction. It may be a callable (the
        placeholder being posted meanwhile), asked for the ts only when the reply is stored."""
        started = time.perf_counter()
        with self.sessions() as s:
            question = s.get(Message, question_id)
            if question is None:
                raise NotFound(f"message {question_id} does not exist")
            existing = store.reply_to(s, message_id=question_id)
            if existing is not None:
                return self._reply_from(existing, question)
            history = store.thread_history(
                s, conversation_id=question.conversation_id, before_id=question_id, limit=self.history_turns
            )
            turns = [(m.role.value, m.text) for m in history]
            question_text, conversation_id = question.text, question.conversation_id
        timings = {"load_ms": _ms_since(started)}

        # With no tickets in the prompt (the default), the model does not wait for retrieval: the
        # two run side by side and the tickets are needed only afterwards (sources, gate, guard).
        in_prompt = self.settings.prompt_tickets
        sources_later: Future[list[Source]] | None = None
        sources: list[Source] = []
        if in_prompt or self.model is None:
            sources = self._timed_retrieve(question_text, timings)
        else:
            sources_later = self._side_pool().submit(self._timed_retrieve, question_text, timings)
        mark = time.perf_counter()

        masker = Masker()
        masked_turns = [(role, masker.mask(text)) for role, text in turns]
        masked_question = masker.mask(question_text)
        # The tickets as training showed them: past customers' numbers are "<ORDER_ID>", i.e.
        # this customer's, filled in after generation (core.identifiers.generalise).
        context = [ContextTicket.from_hit(src) for src in sources[:in_prompt]]
        messages = trim_history(
            build_messages(
                question=masked_question,
                history=masked_turns,
                tickets=context,
                ticket_budget=self.settings.prompt_ticket_budget,
            ),
            budget=self.settings.context_window - self.settings.max_answer_tokens,
        )

        completion: Completion | None = None
        details: dict[str, Any] = {"timings": timings}
        timings["prompt_ms"] = _ms_since(mark)
        mark = time.perf_counter()
        try:
            if self.model is None:
                raise ModelUnavailable("no model endpoint configured")
            completion = self.model.complete(messages)
        except ModelUnavailable as exc:
            log.warning("model unavailable, falling back: %s", exc)
            details["model_error"] = str(exc)

        timings["model_call_ms"] = _ms_since(mark)
        if sources_later is not None:
            mark = time.perf_counter()
            sources = sources_later.result()
            timings["retrieve_wait_ms"] = _ms_since(mark)
        top = sources[0].score if sources else None
        details["top_score"] = top
        mark = time.perf_counter()
        if completion is None:
            outcome, text, escalated, reason = self._fallback(sources, masker=masker)
        else:
            details["model_ms"] = completion.latency_ms
            details["mean_logprob"] = completion.mean_logprob
            details["finish_reason"] = completion.finish_reason
            raw = completion.text.strip()
            if completion.finish_reason == "length":
                raw = end_on_sentence(raw)  # not a half sentence at the token cap
            draft, unfilled = masker.unmask(raw)
            # The tickets as the model saw them: a past customer's order number is not grounds
            # for stating it to this one.
            checked = guard(
                draft,
                conversation=[t for _, t in turns] + [question_text],
                tickets=[f"{generalise(s_.question)}\n{generalise(s_.resolution)}" for s_ in sources],
            )
            if checked.interventions:
                details["grounding"] = checked.interventions
            gate = self._gate(top, completion.mean_logprob)
            if unfilled and not checked.interventions:
                checked.ok = False
            verdict = check_against_sources(
                checked.text,
                [s_.resolution for s_ in sources],
                top,
                weights=self._term_weights,
                disagree_below=self.settings.disagree_below,
                close_match_score=self.settings.close_match_score,
            )
            if gate is None and verdict.kind == "no_case":
                gate = verdict.why
            if gate:
                outcome, text, escalated, reason = "handover", self._handover_text(sources), True, gate
            elif verdict.kind == "close_match":  # the model found nothing, retrieval a close match
                outcome, text, escalated, reason = self._fallback(sources, masker=masker, why=verdict.why)
            elif not checked.ok or not checked.text.strip():
                outcome, text, escalated, reason = self._fallback(
                    sources, masker=masker, why="the drafted answer stated identifiers it could not back up"
                )
            elif verdict.kind == "disagrees":
                details["agreement"] = verdict.coverage
                outcome, text, escalated, reason = self._fallback(sources, masker=masker, why=verdict.why)
            else:
                outcome, text, escalated, reason = "model", checked.text, False, None
        details["reason"] = reason
        timings["guard_ms"] = _ms_since(mark)
        latency_ms = int((time.perf_counter() - started) * 1000)
        confidence = (
            math.exp(completion.mean_logprob) if completion and completion.mean_logprob is not None else None
        )
        if callable(slack_ts):
            slack_ts = slack_ts()
        try:
            with transaction(self.sessions) as s:
                reply = store.record_reply(
                    s,
                    reply_to_id=question_id,
                    text=text,
                    model=completion.model if completion else None,
                    model_version=completion.version if completion else None,
                    prompt_mode=completion.mode if completion else None,
                    latency_ms=latency_ms,
                    prompt_tokens=completion.prompt_tokens if completion else None,
                    completion_tokens=completion.completion_tokens if completion else None,
                    confidence=confidence,
                    outcome=outcome,
                    details=details,
                    hits=[store.Hit(src.ticket_id, src.external_id, src.score) for src in sources],
                    escalated=escalated,
                    slack_channel=slack_channel if slack_ts else None,
                    slack_ts=slack_ts,
                )
                reply_id = reply.id
        except IntegrityError:
            # Another replica answered this question first: that answer stands.
            with self.sessions() as s:
                existing = store.reply_to(s, message_id=question_id)
                question = s.get(Message, question_id)
                assert existing is not None and question is not None
                return self._reply_from(existing, question)
        return Reply(
            message_id=reply_id,
            question_id=question_id,
            conversation_id=conversation_id,
            text=text,
            outcome=outcome,
            escalated=escalated,
            sources=sources,
            confidence=confidence,
            model_version=completion.version if completion else None,
            latency_ms=latency_ms,
            reason=reason,
        )

    def _side_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="retrieval")
        return self._pool

    def _timed_retrieve(self, text: str, timings: dict[str, float]) -> list[Source]:
        mark = time.perf_counter()
        try:
            return self._retrieve(text)
        finally:
            timings["retrieve_ms"] = _ms_since(mark)

    def _retrieve(self, text: str) -> list[Source]:
        if self.retriever is None:
            return []
        try:
            hits = self.retriever.search(text, k=self.settings.retrieval_k)
        except Exception:  # retrieval trouble must not silence the bot
            log.exception("retrieval failed")
            return []
        return [Source(h.ticket_id, h.external_id, float(h.score), h.question, h.resolution) for h in hits]

    def _gate(self, top: float | None, mean_logprob: float | None) -> str | None:
        s = self.settings
        if top is not None and top < s.escalate_below_score:
            return f"closest ticket scores {top:.2f} < {s.escalate_below_score:.2f}"
        if self.retriever is not None and top is None:
            return "no similar ticket found"
        if mean_logprob is not None and mean_logprob < s.escalate_below_logprob:
            return (
                f"model confidence {mean_logprob:.2f} < {s.escalate_below_logprob:.2f} (mean token log-prob)"
            )
        return None

    def _term_weights(self) -> TermWeights:
        """Word weights over the stored tickets, recomputed hourly (tickets come and go)."""
        now = time.monotonic()
        if self._weights is None or now - self._weights[0] > 3600:
            self._weights = (now, TermWeights.from_store(self.sessions))
        return self._weights[1]

    def _handover_text(self, sources: list[Source]) -> str:
        if sources:
            return HANDOVER + " Meanwhile, these similar solved tickets may help."
        return HANDOVER

    @staticmethod
    def _fallback_text(best: Source, *, why: str, masker: Masker) -> str:
        """The best ticket as an answer: another customer's order numbers and amounts never shown
        (this customer's own instead, when they gave them)."""
        prefix = DOWN if why == "model unavailable" else "Here is how we solved the most similar case before."
        return (
            f"{prefix} The most similar solved ticket ({best.external_id}) says:\n"
            f"{present_past(best.resolution, masker)}"
        )

    def _fallback(
        self, sources: list[Source], *, masker: Masker, why: str = "model unavailable"
    ) -> tuple[str, str, bool, str]:
        best = sources[0] if sources else None
        if best is not None and best.score >= self.settings.escalate_below_score:
            return "fallback", self._fallback_text(best, why=why, masker=masker), False, why
        prefix = f"{DOWN} " if why == "model unavailable" else ""
        return "handover", prefix + self._handover_text(sources), True, why

    def _reply_from(self, reply: Message, question: Message) -> Reply:
        return Reply(
            message_id=reply.id,
            question_id=question.id,
            conversation_id=question.conversation_id,
            text=reply.text,
            outcome=reply.outcome or "model",
            escalated=reply.outcome == "handover",
            sources=[Source(h.ticket_id, h.ticket_external_id or "?", h.score, "", "") for h in reply.hits],
            confidence=reply.confidence,
            model_version=reply.model_version,
            latency_ms=reply.latency_ms or 0,
        )

    # --- actions on a conversation -------------------------------------------------------------

    @staticmethod
    def _clicked_reply(s: Any, *, reply_id: int, shown_in: tuple[str, str] | None) -> Message:
        """The reply a button belongs to, checked against the Slack message that was clicked:
        a button's value is only an id, and a signed payload could name any reply."""
        reply = s.get(Message, reply_id)
        if reply is None or reply.role != Role.assistant:
            raise NotFound(f"reply {reply_id} does not exist")
        if shown_in is not None and (reply.slack_channel, reply.slack_ts) != shown_in:
            raise NotFound(f"reply {reply_id} is not the message that was clicked")
        return reply

    def hand_over(self, *, reply_id: int, actor: str, shown_in: tuple[str, str] | None = None) -> int:
        """The customer asked for a human: mark the conversation escalated; returns its id.
        ``shown_in``: (channel, ts) of the Slack message whose button was clicked."""
        with transaction(self.sessions) as s:
            reply = self._clicked_reply(s, reply_id=reply_id, shown_in=shown_in)
            store.set_status(s, conversation_id=reply.conversation_id, status=ConversationStatus.escalated)
            store.audit(
                s,
                actor=actor,
                action="conversation.handover",
                conversation_id=reply.conversation_id,
                message_id=reply_id,
            )
            return reply.conversation_id

    def feedback(
        self, *, reply_id: int, user: str, rating: int, shown_in: tuple[str, str] | None = None
    ) -> None:
        with transaction(self.sessions) as s:
            self._clicked_reply(s, reply_id=reply_id, shown_in=shown_in)
            store.record_feedback(s, message_id=reply_id, user=user, rating=rating)

    def is_bot_thread(self, *, team: str | None, channel: str, thread_ts: str) -> bool:
        """Is this a thread the bot takes part in (so follow-ups without a mention are for it)?"""
        with self.sessions() as s:
            conversation = store.find_conversation(s, team=team, channel=channel, thread_ts=thread_ts)
            if conversation is None:
                return False
            return any(m.role == Role.assistant for m in conversation.messages)

    def attach_slack_ts(self, *, reply_id: int, channel: str, ts: str) -> None:
        with transaction(self.sessions) as s:
            store.set_slack_ts(s, message_id=reply_id, channel=channel, ts=ts)


def _ms_since(mark: float) -> float:
    return round((time.perf_counter() - mark) * 1000, 2)
