"""What the customer is sent, given the model's draft (or its absence) and the retrieved tickets.

In order: identifiers the draft cannot back up (the grounding guard), the confidence gate (a weak
closest ticket, low token log-probabilities), then the draft against what its tickets agree on.
The result is the model's answer, the best past ticket instead (the fallback), or a hand-over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from supportbot.core.enums import HandoverReason, Outcome
from supportbot.core.grounding import FixedChecks, TermWeights, check_against_sources, guard
from supportbot.core.identifiers import Masker, present_past, stated_amounts
from supportbot.core.prompt import context_tickets
from supportbot.core.salutation import model_reply, template_blanks
from supportbot.core.settings import Settings
from supportbot.usecases.floors import Floors
from supportbot.usecases.messages import Source
from supportbot.usecases.model_client import Completion

HANDOVER = (
    "I'm not sure I can answer this one correctly, so I've asked a member of our support team to take over."
)
DOWN = "⚠️ Our assistant is unavailable right now."
MODEL_UNAVAILABLE = "model unavailable"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    text: str
    reason: str | None


@dataclass(frozen=True)
class Draft:
    """The model's answer, placeholders filled back in (``unfilled``: some could not be), without
    a letter template's salutation and sign-off; ``blanks``: a template's blanks still in it."""

    text: str
    unfilled: bool
    mean_logprob: float | None
    blanks: tuple[str, ...] = ()


def draft_of(completion: Completion, masker: Masker) -> Draft:
    from supportbot.core.prompt import end_on_sentence

    raw = completion.text.strip()
    if completion.finish_reason == "length":
        raw = end_on_sentence(raw)  # not a half sentence at the token cap
    text, unfilled = masker.unmask(raw)
    text = model_reply(text)
    return Draft(text, bool(unfilled), completion.mean_logprob, tuple(template_blanks(text)))


def as_prompted(sources: list[Source], *, in_prompt: int) -> list[str]:
    """The retrieved tickets as the model read the first ``in_prompt`` of them
    (core.prompt.context_tickets), for the grounding guard: a past customer's order number or
    refund is not grounds for stating it to this one; a price the prompt's tickets state alike is."""
    stated = stated_amounts(s.resolution for s in sources[:in_prompt])
    return [f"{t.question}\n{t.resolution}" for t in context_tickets(sources, stated=stated)]


def closest(sources: list[Source]) -> float | None:
    """How close the closest past case is: the best similarity among the retrieved tickets, not
    the first-ranked one's own (ranking by request may put a ticket of the right request first
    whose own wording is further from the question than another's)."""
    return max((s.score for s in sources), default=None)


def gate(
    settings: Settings,
    *,
    top: float | None,
    mean_logprob: float | None,
    searched: bool,
    below: float | None = None,
) -> str | None:
    """Why a human should answer instead (None: no reason). ``searched``: a retriever exists, so
    no ticket at all means nothing similar was ever solved. ``below``: the closest-ticket score
    to hand over under (default: the configured one; usecases.floors gives the calibrated one)."""
    below = settings.escalate_below_score if below is None else below
    if top is not None and top < below:
        return f"closest ticket scores {top:.2f} < {below:.2f}"
    if searched and top is None:
        return "no similar ticket found"
    if mean_logprob is not None and mean_logprob < settings.escalate_below_logprob:
        return f"model confidence {mean_logprob:.2f} < {settings.escalate_below_logprob:.2f} (mean token log-prob)"
    return None


def decide(
    draft: Draft,
    *,
    turns: list[str],
    sources: list[Source],
    masker: Masker,
    settings: Settings,
    weights: Callable[[], TermWeights],
    searched: bool,
    details: dict[str, Any],
    floors: Floors | None = None,
) -> Decision:
    """The draft checked against the conversation and its sources; ``turns``: the customer's
    conversation so far, the question last. What the checks found goes into ``details``."""
    checked = guard(
        draft.text, conversation=turns, tickets=as_prompted(sources, in_prompt=settings.prompt_tickets)
    )
    if checked.interventions:
        details["grounding"] = checked.interventions
    top = closest(sources)
    # The settings calibrated for the model that answered (usecases.floors), else the configured.
    floors = floors or Floors.configured(settings)
    why = gate(
        settings,
        top=top,
        mean_logprob=draft.mean_logprob,
        searched=searched,
        below=floors.escalate_below_score,
    )
    if draft.unfilled and not checked.interventions:
        checked.ok = False
    verdict = check_against_sources(
        checked.text,
        [s.resolution for s in sources],
        top,
        weights=weights,
        disagree_below=floors.disagree_below,
        close_match_score=floors.close_match_score,
        conversation=turns,
        fixed=FixedChecks.of(settings),
    )
    if why is None and verdict.kind == "no_case":
        why = verdict.why
    if why:
        return Decision(Outcome.handover, handover_text(sources), why)
    below = floors.escalate_below_score
    if verdict.kind == "close_match":  # the model found nothing, retrieval a close match
        return fallback(
            sources, masker=masker, settings=settings, why=verdict.why or verdict.kind, below=below
        )
    if draft.blanks:
        why = f"the drafted answer left a template's blanks unfilled ({', '.join(draft.blanks)})"
        return fallback(sources, masker=masker, settings=settings, why=why, below=below)
    if not checked.ok or not checked.text.strip():
        return fallback(
            sources,
            masker=masker,
            settings=settings,
            why="the drafted answer stated identifiers it could not back up",
            below=below,
        )
    if verdict.kind == "disagrees":
        details["agreement"] = verdict.coverage
    if verdict.show_best:  # about another request, a loop, a contradicted span: the best ticket
        return fallback(
            sources, masker=masker, settings=settings, why=verdict.why or verdict.kind, below=below
        )
    return Decision(Outcome.model, checked.text, None)


def handover_text(sources: list[Source]) -> str:
    if sources:
        return HANDOVER + " Meanwhile, these similar solved tickets may help."
    return HANDOVER


def fallback_text(best: Source, *, why: str, masker: Masker, stated: frozenset[str] = frozenset()) -> str:
    """The best ticket as an answer: another customer's order numbers and amounts never shown
    (this customer's own order number instead, when they gave one), the amounts the team states to everyone
    (``stated``) as written. It reads as the answer it is: where it came from is said under it,
    with the sources (bot.blocks), not inside it; only when the model is down does the text say
    so first."""
    resolution = present_past(best.resolution, masker, stated=stated)
    if why == MODEL_UNAVAILABLE:
        return f"{DOWN} The most similar solved ticket ({best.external_id}) says:\n{resolution}"
    return resolution


def fallback(
    sources: list[Source], *, masker: Masker, settings: Settings, why: str = MODEL_UNAVAILABLE,
    below: float | None = None,
) -> Decision:  # fmt: skip
    """The best ticket when it is close enough (``below``: the calibrated score, else the
    configured one), else a hand-over."""
    nearest = closest(sources)  # None: no sources
    if nearest is not None and nearest >= (settings.escalate_below_score if below is None else below):
        stated = stated_amounts(s.resolution for s in sources)
        return Decision(
            Outcome.fallback, fallback_text(sources[0], why=why, masker=masker, stated=stated), why
        )
    prefix = f"{DOWN} " if why == MODEL_UNAVAILABLE else ""
    return Decision(Outcome.handover, prefix + handover_text(sources), why)


# What the customer reads when the triage hands over before any answer (usecases.triage).
HANDOVER_TEXTS = {
    HandoverReason.frustration: (
        "I'm sorry this has been so frustrating. I've asked a member of our support team to take "
        "over; they will reply here."
    ),
    HandoverReason.repeated_ask: (
        "Of course: I've asked a member of our support team to take over; they will reply here."
    ),
    HandoverReason.topic: (
        "This is one for our support team: I've asked a member of the team to take over; they "
        "will reply here."
    ),
    HandoverReason.gate: ("I've asked a member of our support team to take over; they will reply here."),
    HandoverReason.asked: ("I've asked a member of our support team to take over; they will reply here."),
}
