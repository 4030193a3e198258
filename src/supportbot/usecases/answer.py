"""Writing an answer, free of Slack: usecases.respond decides a message is to be answered, this writes it.

1. store the question first (idempotent on the Slack event) — nothing after this can lose it;
2. thread history from our database; 3. similar solved tickets (side by side with 5 when the
prompt carries no tickets, the default); 4. the prompt (identifiers masked, history trimmed to
the context window); 5. the model; 6. the checks of the draft
(usecases.decide: the grounding guard, the confidence gate, the sources); 7. the reply, stored
with everything that explains it.
The model being down never means silence: the best ticket's resolution (labelled as such) or a
hand-over to a human.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import HandoverReason, Outcome, Role
from supportbot.core.errors import ModelUnavailable, NotFound
from supportbot.core.grounding import TermWeights
from supportbot.core.identifiers import Masker
from supportbot.core.mood import MoodScorer
from supportbot.core.pii import redact_text
from supportbot.core.prompt import build_messages, context_tickets, trim_history
from supportbot.core.settings import Settings
from supportbot.usecases.actions import ActionDesk
from supportbot.usecases.decide import (
    HANDOVER_TEXTS,
    Decision,
    Draft,
    decide,
    draft_of,
    fallback,
    handover_text,
)
from supportbot.usecases.floors import FloorBook
from supportbot.usecases.followup import search_in_thread
from supportbot.usecases.messages import Incoming, Reply, Source
from supportbot.usecases.model_client import Completion, ModelClient
from supportbot.usecases.related import SPARE, Retrieved, related_questions
from supportbot.usecases.release import Releaser
from supportbot.usecases.replies import store_reply
from supportbot.usecases.triage import Assessment, Triage

log = logging.getLogger(__name__)


class Searcher(Protocol):
    def search_many(
        self, texts: Sequence[str], k: int | None = None, *, categories: Sequence[str] = ()
    ) -> list[list[Any]]: ...

    def search(self, text: str, k: int | None = None, *, categories: Sequence[str] = ()) -> list[Any]: ...


@dataclass(frozen=True)
class _Question:
    id: int
    text: str
    conversation_id: int
    turns: list[tuple[str, str]]  # (role, text) of the thread before it


class Responder:
    def __init__(
        self,
        *,
        settings: Settings,
        sessions: sessionmaker[Session],
        retriever: Searcher | None,
        model: ModelClient | None,
        history_turns: int = 20,
        index_problem: str | None = None,
        mood: MoodScorer | None = None,
    ) -> None:
        self.settings = settings
        # Each customer turn scored and checked for a person's hand-over before it is answered.
        self.triage = Triage(settings=settings, sessions=sessions, scorer=mood)
        self.index_problem = index_problem  # why ``retriever`` is None, when it is
        self.sessions = sessions
        self.retriever = retriever
        self.model = model
        self.history_turns = history_turns
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._weights: tuple[float, TermWeights] | None = None  # (when computed, the weights)
        # The checks' settings calibrated for each model version (usecases.floors).
        self.floors = FloorBook(settings=settings, sessions=sessions)
        # The team's declared HTTP actions (None: no actions file), tried before an answer is written.
        self.actions = ActionDesk.from_settings(settings, sessions, model)

    # --- 1. the question, stored first ---------------------------------------------------------

    def record(self, incoming: Incoming, *, role: Role = Role.user) -> store.Recorded:
        """Store a turn first (a customer's question; ``role`` agent: a human helping in the thread)."""
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
                role=role,
            )

    # --- 2..8 ----------------------------------------------------------------------------------

    def answer(
        self,
        question_id: int,
        *,
        slack_channel: str | None = None,
        slack_ts: str | Callable[[], str | None] | None = None,
        on_text: Callable[[str], None] | None = None,
        categories: Sequence[str] = (),
    ) -> Reply:
        """Answer a stored question; ``slack_ts``: the Slack message that will show the answer (the
        placeholder), stored with the reply in the same transaction. It may be a callable (the
        placeholder being posted meanwhile), asked for the ts only when the reply is stored.

        ``on_text``: the answer is streamed, and called with the part of the draft that may be
        shown already (usecases.release: nothing the checks could still turn down), the whole of it
        each time it grows. The Reply says what the customer is finally sent. ``categories``:
        search only tickets of these (the channel's setting; empty: all)."""
        started = time.perf_counter()
        question = self._load(question_id)
        if isinstance(question, Reply):
            return question
        timings = {"load_ms": _ms_since(started)}
        details: dict[str, Any] = {"timings": timings}
        masker = Masker()
        sources, completion = self._generate(
            question, masker=masker, details=details, on_text=on_text, categories=categories
        )

        mark = time.perf_counter()
        details["top_score"] = sources[0].score if sources else None
        topic = self._mandatory_topic(sources)
        draft: Draft | None = None
        if topic is not None:
            why = f"topic “{topic}” always goes to a person"
            details["handover_reason"] = HandoverReason.topic.value
            decision = Decision(Outcome.handover, handover_text(sources), why)
        elif completion is None:
            decision = fallback(sources, masker=masker, settings=self.settings)
        else:
            details["model_ms"] = completion.latency_ms
            details["mean_logprob"] = completion.mean_logprob
            details["finish_reason"] = completion.finish_reason
            draft = draft_of(completion, masker)
            decision = decide(
                draft,
                turns=[text for _, text in question.turns] + [question.text],
                sources=sources,
                masker=masker,
                settings=self.settings,
                weights=self.term_weights,
                searched=self.retriever is not None,
                details=details,
                floors=self.floors.for_version(completion.version, settings=self.settings),
            )
        details["reason"] = decision.reason
        if draft is not None and decision.outcome is not Outcome.model:
            # What the model drafted and the checks did not send: for the review (why this
            # answer) and for evaluating the checks. Redacted like every stored text.
            details["unsent_draft"] = redact_text(draft.text)
        if decision.outcome is Outcome.handover:
            details.setdefault("handover_reason", HandoverReason.gate.value)
        timings["guard_ms"] = _ms_since(mark)
        details["related"] = self._related(question.text, sources, decision)
        if callable(slack_ts):
            slack_ts = slack_ts()
        return store_reply(
            self.sessions,
            question.id,
            question.conversation_id,
            decision=decision,
            completion=completion,
            sources=sources,
            details=details,
            latency_ms=int((time.perf_counter() - started) * 1000),
            shown_in=(slack_channel, slack_ts) if slack_channel and slack_ts else None,
        )

    def _mandatory_topic(self, sources: list[Source]) -> str | None:
        """The closest ticket's category when it is one that always goes to a person."""
        topics = {t.lower() for t in self.settings.handover_topics}
        if not topics or not sources or not sources[0].category:
            return None
        return sources[0].category if sources[0].category.lower() in topics else None

    def hand_over_now(
        self,
        question_id: int,
        assessment: Assessment,
        *,
        slack_channel: str | None = None,
        slack_ts: str | None = None,
    ) -> Reply:
        """No answer: the triage sends this stored question to a person (a frustrated customer, a
        second ask, a topic for people only). The hand-over message is stored as the reply."""
        question = self._load(question_id)
        if isinstance(question, Reply):
            return question
        reason = assessment.reason or HandoverReason.gate
        decision = Decision(Outcome.handover, HANDOVER_TEXTS[reason], assessment.why)
        details: dict[str, Any] = {"reason": assessment.why, "handover_reason": reason.value}
        if assessment.mood is not None:
            details["mood"] = assessment.mood.as_json()
        return store_reply(
            self.sessions,
            question.id,
            question.conversation_id,
            decision=decision,
            completion=None,
            sources=[],
            details=details,
            latency_ms=0,
            shown_in=(slack_channel, slack_ts) if slack_channel and slack_ts else None,
        )

    def _load(self, question_id: int) -> _Question | Reply:
        """The stored question and its thread; its reply instead when it has one already."""
        with self.sessions() as s:
            question = store.find_message(s, message_id=question_id)
            if question is None:
                raise NotFound(f"message {question_id} does not exist")
            existing = store.reply_to(s, message_id=question_id)
            if existing is not None:
                return Reply.stored(existing)
            history = store.thread_history(
                s, conversation_id=question.conversation_id, before_id=question_id, limit=self.history_turns
            )
            return _Question(
                question.id,
                question.text,
                question.conversation_id,
                [(m.role.value, m.text) for m in history],
            )

    def _generate(
        self,
        question: _Question,
        *,
        masker: Masker,
        details: dict[str, Any],
        on_text: Callable[[str], None] | None = None,
        categories: Sequence[str] = (),
    ) -> tuple[list[Source], Completion | None]:
        """Retrieval and the model call: the sources, and the completion (None: the model is down)."""
        timings = details["timings"]
        # With no tickets in the prompt, the model does not wait for retrieval: the two run side
        # by side and the tickets are needed only afterwards (sources, gate, guard).
        in_prompt = self.settings.prompt_tickets
        sources_later: Future[list[Source]] | None = None
        sources: list[Source] = []
        if in_prompt or self.model is None or self.settings.handover_topics:
            # (With topics that always go to a person, the closest ticket's category is needed
            # before the model is asked: such a question is not answered at all.)
            sources = self._timed_retrieve(question, timings, categories)
            if self._mandatory_topic(sources) is not None:
                return sources, None
        else:
            sources_later = self._side_pool().submit(self._timed_retrieve, question, timings, categories)
        mark = time.perf_counter()
        messages = self._prompt(question, sources[:in_prompt], masker=masker)
        timings["prompt_ms"] = _ms_since(mark)
        mark = time.perf_counter()
        completion: Completion | None = None
        releaser = None
        if on_text is not None:
            releaser = Releaser(
                sources=lambda: sources_later.result() if sources_later is not None else sources,
                turns=[text for _, text in question.turns] + [question.text],
                masker=masker,
                settings=self.settings,
                weights=self.term_weights,
                searched=self.retriever is not None,
                show=on_text,
                floors=self.floors.for_version(None, settings=self.settings),
            )
        try:
            if self.model is None:
                raise ModelUnavailable("no model endpoint configured")
            if releaser is None:
                completion = self.model.complete(messages)
            else:
                completion = self.model.complete(messages, on_text=releaser.feed)
        except ModelUnavailable as exc:
            log.warning("model unavailable, falling back: %s", exc)
            details["model_error"] = str(exc)
        timings["model_call_ms"] = _ms_since(mark)
        if sources_later is not None:
            mark = time.perf_counter()
            sources = sources_later.result()
            timings["retrieve_wait_ms"] = _ms_since(mark)
        return sources, completion

    def _prompt(self, question: _Question, tickets: list[Source], *, masker: Masker) -> list[dict[str, str]]:
        """The chat messages: identifiers masked, the tickets as training showed them (past
        customers' numbers are "<ORDER_ID>", i.e. this customer's, filled in after generation:
        core.identifiers.generalise; the prices they state alike as written: context_tickets),
        history trimmed to the context window."""
        return trim_history(
            build_messages(
                question=masker.mask(question.text),
                history=[(role, masker.mask(text)) for role, text in question.turns],
                tickets=context_tickets(tickets),
                ticket_budget=self.settings.prompt_ticket_budget,
            ),
            budget=self.settings.context_window - self.settings.max_answer_tokens,
        )

    def _related(self, text: str, sources: list[Source], decision: Decision) -> list[str]:
        """The other solved questions offered with this answer (usecases.related)."""
        try:
            return related_questions(
                text,
                sources,
                escalates=decision.outcome.escalates,
                weights=self.term_weights,
                limit=self.settings.related_questions,
            )
        except Exception:  # a nicety: its trouble must not cost the answer
            log.exception("related questions failed")
            return []

    def _side_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="retrieval")
        return self._pool

    def _timed_retrieve(
        self, question: _Question, timings: dict[str, float], categories: Sequence[str] = ()
    ) -> list[Source]:
        mark = time.perf_counter()
        try:
            return self._retrieve(question, categories)
        finally:
            timings["retrieve_ms"] = _ms_since(mark)

    def _retrieve(self, question: _Question, categories: Sequence[str] = ()) -> list[Source]:
        if self.retriever is None:
            return []
        k = self.settings.retrieval_k
        # The same search brings the related questions' candidates (usecases.related).
        fetch = k + SPARE if self.settings.related_questions else k
        earlier = [text for role, text in question.turns if role == Role.user.value]
        try:
            hits = search_in_thread(
                self.retriever, question.text, earlier=earlier, k=fetch, categories=categories
            )
        except Exception:  # retrieval trouble must not silence the bot
            log.exception("retrieval failed")
            return []
        found = [
            Source(h.ticket_id, h.external_id, float(h.score), h.question, h.resolution, h.category)
            for h in hits
        ]
        return Retrieved.split(found, k)

    def term_weights(self) -> TermWeights:
        """Word weights over the stored tickets, recomputed hourly (tickets come and go)."""
        now = time.monotonic()
        if self._weights is None or now - self._weights[0] > 3600:
            self._weights = (now, TermWeights.from_store(self.sessions))
        return self._weights[1]


def _ms_since(mark: float) -> float:
    return round((time.perf_counter() - mark) * 1000, 2)
