"""The top-ticket baseline of an evaluation, and the checks after the model that fall back to it.

The top ticket as the bot shows it without a model; the drafts as the bot sends them after its
checks against the sources (a draft they refuse becomes that ticket); and those checks' settings
calibrated for a model (training.calibration).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from supportbot.core.grounding import FixedChecks
from supportbot.training.calibration import Calibration
from supportbot.training.config import FinetuneConfig
from supportbot.training.context import Tickets, tickets_for
from supportbot.training.eval_set import EvalItem
from supportbot.training.generation import generate_answers

if TYPE_CHECKING:
    from supportbot.core.db import Sessions
    from supportbot.core.settings import Settings

log = logging.getLogger(__name__)


def open_retriever(settings: Settings, sessions: Sessions) -> Any | None:
    """The ticket index, or None (the report then says what it could not measure)."""
    try:
        from supportbot.retrieval.search import Retriever

        return Retriever.open(settings=settings, sessions=sessions)
    except Exception as exc:  # no index yet, or retrieval not set up
        log.info("no ticket index for the evaluation: %s", exc)
        return None


def present(hit: Any, question: str, stated: frozenset[str] = frozenset()) -> str:
    """The top ticket as the bot shows it without a model: its resolution, the past customer's
    order numbers replaced by this customer's (or by a neutral phrase), its amounts by a neutral
    phrase but those its retrieved tickets state alike (``stated``), which stay as written."""
    from supportbot.core.identifiers import Masker, present_past

    if hit is None:
        return ""
    masker = Masker()
    masker.mask(question)
    return present_past(hit.resolution, masker, stated=stated)


def shown(tickets: Tickets, questions: Sequence[str]) -> list[str]:
    """Each question's top ticket as the bot shows it (``present``)."""
    return [present(*row) for row in zip(tickets.tops, questions, tickets.stated, strict=True)]


def top_ticket_answers(settings: Settings, sessions: Sessions, questions: Sequence[str]) -> list[str] | None:
    """The baseline column: each question answered with its top retrieved ticket; None without
    a ticket index."""
    retriever = open_retriever(settings, sessions)
    if retriever is None:
        return None
    return shown(tickets_for(retriever, questions, k=max(1, settings.retrieval_k)), questions)


def as_sent(
    drafts: Sequence[str], questions: Sequence[str], *, tickets: Tickets, weights: Any, disagree_below: float,
    close_match_score: float, fixed: FixedChecks = FixedChecks(),
) -> list[str]:  # fmt: skip
    """The drafts after the bot's checks against its sources (core.grounding.check_against_sources,
    at these settings), given each question's retrieved tickets and top hit. The identifier guard
    is left out: invented identifiers are counted in the drafts instead."""
    from supportbot.training.calibration import as_sent_with

    sent, _ = as_sent_with(
        drafts,
        resolutions=[[t.resolution for t in context] for context in tickets.contexts],
        top_scores=tickets.closest,
        best=shown(tickets, questions),
        weights=weights,
        disagree_below=disagree_below,
        close_match_score=close_match_score,
        questions=questions,
        fixed=fixed,
    )
    return sent


def calibrate_checks(
    model: Any, tokenizer: Any, items: Sequence[EvalItem], *, retriever: Any, weights: Any,
    config: FinetuneConfig, settings: Settings, split: str, leave_out: Sequence[str | None] = (),
) -> Calibration:  # fmt: skip
    """The checks' settings for this model, chosen on ``items`` (training.calibration): the
    model's drafts to them, with the tickets the bot would put in their prompts — each question
    as it was worded, and once more thinned to about half its words (training.calibration.
    reworded): customers to come will word things as no one in the history did, and the
    settings must hold for them too. The confidence gate is set on these questions' closest
    tickets and on the team's imported tickets' (training.calibration.ticket_pool_scores), but
    those in ``leave_out`` (the report's questions, when they are imported tickets too)."""
    from supportbot.training.calibration import calibrate, reworded, ticket_pool_scores
    from supportbot.training.scores import is_right

    items = [*items, *reworded(items, seed=config.seed)]
    questions = [i.question for i in items]
    k = max(1, config.tickets, settings.retrieval_k)
    tickets = tickets_for(retriever, questions, k=k, ids=[i.id for i in items])
    contexts = tickets.contexts
    prompts = tickets.prompts(config.tickets)
    drafts = generate_answers(
        model, tokenizer, questions, tickets=prompts, ticket_budget=config.ticket_budget,
        max_new_tokens=config.max_answer_tokens, progress=True,
    )  # fmt: skip
    return calibrate(
        drafts,
        references=[i.reference for i in items],
        right=lambda n, text: bool(is_right(text, items[n], weights)),
        resolutions=[[t.resolution for t in c] for c in contexts],
        top_scores=tickets.closest,
        best=shown(tickets, questions),
        weights=weights,
        split=split,
        judged_by="keyphrases" if all(i.keyphrases for i in items) else "the agent reply's telling words",
        gate_configured=settings.escalate_below_score,
        gate_tickets=ticket_pool_scores(retriever, k=k, seed=config.seed, leave_out=leave_out),
        questions=questions,
        fixed=FixedChecks.of(settings),
    )
