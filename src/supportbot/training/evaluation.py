"""Evaluating a model: a fine-tune before vs after, and any version against its base model.

The columns of a fine-tune's report: token metrics on the validation split; answers to the
held-out questions before and after, with the retrieved tickets in the prompt as the bot sends
them, as the bot sends them after its checks against the sources, without tickets, through the
OpenAI-compatible server; and the top-ticket baseline (what the bot shows without a model).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportbot.core.errors import InvalidInput
from supportbot.training.baseline import (
    as_sent,
    calibrate_checks,
    open_retriever,
    shown,
    top_ticket_answers,
)
from supportbot.training.calibration import Calibration, gate_pool_note, not_earned_note
from supportbot.training.config import FinetuneConfig
from supportbot.training.context import Tickets, tickets_for
from supportbot.training.data import Conversation
from supportbot.training.eval_set import EvalItem, EvalSets, eval_items_for, eval_sets
from supportbot.training.generation import generate_answers, served_answers
from supportbot.training.loop import token_metrics
from supportbot.training.report import Report, write_report
from supportbot.training.scores import score_answers

if TYPE_CHECKING:
    from supportbot.core.db import Sessions
    from supportbot.core.settings import Settings

log = logging.getLogger(__name__)

BASELINE = "top ticket (baseline)"
AS_SENT = "after · as the bot sends it"


def timed(fn: Callable[[], list[str]], n: int) -> tuple[list[str], float]:
    """``fn()`` and the milliseconds it took per answer, for ``n`` answers."""
    started = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - started) * 1000 / max(1, n)


@dataclass
class Columns:
    """The answer columns of a report being built: their texts, ms per answer where measured,
    and the notes that say how they were made."""

    generated: dict[str, list[str]] = field(default_factory=dict)
    speed: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    weights: Any = None  # the tickets' word weights: judge the right request without keyphrases
    calibration: Calibration | None = None

    def add_timed(self, name: str, fn: Callable[[], list[str]], n: int) -> None:
        self.generated[name], self.speed[name] = timed(fn, n)

    def scored(self, items: Sequence[EvalItem]) -> dict[str, dict[str, Any]]:
        answers = {}
        for name, texts in self.generated.items():
            answers[name] = score_answers(texts, items, weights=self.weights)
            for group in answers[name].values():
                group["ms_per_answer"] = round(self.speed[name], 1) if name in self.speed else None
        return answers


@dataclass
class Retrieved:
    """Each held-out question's retrieved tickets and top hit, as the bot would get them."""

    tickets: Tickets
    retriever: Any


def token_columns(
    model: Any, val_new: Sequence[Any], val_replay: Sequence[Any], *, pad_id: int
) -> dict[str, dict[str, float]]:
    """Validation loss, perplexity and token accuracy without the adapter and with it."""
    tokens: dict[str, dict[str, float]] = {}
    with model.disable_adapter():
        tokens["before"] = token_metrics(model, list(val_new), pad_id=pad_id)
        if val_replay:
            tokens["before · earlier topics"] = token_metrics(model, list(val_replay), pad_id=pad_id)
    tokens["after"] = token_metrics(model, list(val_new), pad_id=pad_id)
    if val_replay:
        tokens["after · earlier topics"] = token_metrics(model, list(val_replay), pad_id=pad_id)
    return tokens


def retrieve_for(
    cols: Columns, questions: list[str], *, settings: Settings, sessions: Sessions | None, k: int,
    ids: Sequence[str | None] | None = None,
) -> Retrieved | None:  # fmt: skip
    """The questions' tickets and the baseline column; None (noted) without a ticket index."""
    retriever = open_retriever(settings, sessions) if sessions is not None else None
    if retriever is None:
        cols.notes.append("top-ticket baseline skipped: no ticket index (run `supportbot index build`)")
        return None
    # As many as the bot retrieves (its checks read them all), the first k in prompts.
    tickets = tickets_for(retriever, questions, k=max(1, k, settings.retrieval_k), ids=ids)
    cols.generated[BASELINE] = shown(tickets, questions)
    return Retrieved(tickets, retriever)


def served_check(
    cols: Columns, questions: list[str], *, base_model: str, adapter: tuple[str, Path],
    prompts: list[list[Any]] | None, config: FinetuneConfig,
) -> None:  # fmt: skip
    """The first ``config.served`` questions (none without ``serve_eval``) through our server's /v1/completions
    and /v1/chat/completions, their text checked against the in-process "after" answers (a note
    of the report). A check that the server answers as the model does, not a column: the whole
    set twice more through the server cost a sixth of a fine-tune on 2 cores, and gave the
    in-process text."""
    version, adapter_dir = adapter
    n = config.served(len(questions))
    if n == 0:
        return
    in_process = cols.generated["after"][:n]
    try:
        from supportbot.serving.embedded import EmbeddedServer

        said = []
        with EmbeddedServer(base_model, adapters={version: str(adapter_dir)}) as server:
            for mode, path in (("completion", "completions"), ("chat", "chat/completions")):
                ask = functools.partial(
                    served_answers, server.base_url, version, questions[:n], mode=mode,
                    tickets=prompts[:n] if prompts is not None else None,
                    ticket_budget=config.ticket_budget, max_tokens=config.max_answer_tokens,
                )  # fmt: skip
                answers, ms = timed(ask, n)
                same = sum(a == b for a, b in zip(answers, in_process, strict=True))
                said.append(f"/v1/{path} gave the in-process text on {same} of {n} ({ms:.0f} ms per answer)")
        cols.notes.append(f"through our model server, the first {n} questions: " + "; ".join(said))
    except Exception as exc:  # the report still stands without the served check
        log.warning("served evaluation skipped: %s", exc)
        cols.notes.append(f"served evaluation skipped: {type(exc).__name__}: {exc}")


def answer_columns(
    cols: Columns, questions: list[str], *, model: Any, tokenizer: Any, config: FinetuneConfig,
    settings: Settings, sessions: Sessions | None, base_model: str, adapter: tuple[str, Path],
    sets: EvalSets,
) -> None:  # fmt: skip
    """Every answer column of a fine-tune's report, in the report's order."""
    k = config.tickets
    retrieved = retrieve_for(
        cols, questions, settings=settings, sessions=sessions, k=k, ids=[i.id for i in sets.report]
    )
    prompts = retrieved.tickets.prompts(k) if retrieved is not None else None
    if prompts is not None:
        cols.notes.append(f"before / after: {k} retrieved tickets in each prompt, as the bot sends them")
    elif k > 0:
        cols.notes.append("before / after: no tickets in the prompt (no ticket index)")

    def gen(prompt_tickets: Any) -> list[str]:
        return generate_answers(
            model,
            tokenizer,
            questions,
            progress=True,
            tickets=prompt_tickets,
            ticket_budget=config.ticket_budget,
            max_new_tokens=config.max_answer_tokens,
        )

    n = len(questions)
    with model.disable_adapter():
        cols.add_timed("before", lambda: gen(prompts), n)
    cols.add_timed("after", lambda: gen(prompts), n)
    if retrieved is not None:
        # What the bot sends: a draft about another request than its tickets agree on, or a
        # "no past case fits" with a close match, becomes the best ticket (usecases/decide.py),
        # at the settings calibrated for this model on other questions than these.
        from supportbot.core.grounding import FixedChecks, TermWeights

        cols.weights = TermWeights.from_store(retrieved.retriever.sessions)
        floors = {"disagree_below": settings.disagree_below, "close_match_score": settings.close_match_score}
        if sets.calibration:
            cols.calibration = calibrate_checks(
                model, tokenizer, sets.calibration, retriever=retrieved.retriever, weights=cols.weights,
                config=config, settings=settings, split=sets.calibration_split,
                leave_out=[i.id for i in sets.report],
            )  # fmt: skip
            floors = cols.calibration.floors()
        cols.generated[AS_SENT] = as_sent(
            cols.generated["after"],
            questions,
            tickets=retrieved.tickets,
            weights=cols.weights,
            fixed=FixedChecks.of(settings),
            **floors,
        )
    if prompts is not None:  # what the tickets add: the same model, none in the prompt
        cols.add_timed("after · no tickets", lambda: gen(None), n)
    served_check(cols, questions, base_model=base_model, adapter=adapter, prompts=prompts, config=config)


def calibration_notes(cal: Calibration | None, settings: Settings) -> list[str]:
    """How the checks' settings were chosen, for the report."""
    if cal is None:
        return [
            f"checks after the model: the configured settings (agreement floor {settings.disagree_below:g},"
            f" close match {settings.close_match_score:g}); no validation questions to calibrate them on"
        ]
    close = "never" if cal.close_match_score >= 1 else f"{cal.close_match_score:g}"
    verdict = (
        "as sent, as often right as the top ticket or more"
        if cal.holds
        else "no setting made the answers as often right as the top ticket"
    )
    if not cal.earns:
        verdict += "; " + not_earned_note()
    return [
        f"checks after the model, calibrated for this model on {cal.split}, never on the questions"
        f" above: agreement floor {cal.disagree_below:g}, close match {close}, hand over under a closest"
        f" ticket of {cal.escalate_below_score:.2f}{gate_pool_note(cal.questions, cal.gate_tickets)}; there, as sent: right"
        f" request {cal.right_request:.3f} (top ticket {cal.top_ticket['right_request']:.3f}), F1"
        f" {cal.f1:.3f} (top ticket {cal.top_ticket['f1']:.3f}), {cal.replaced:.0%} of drafts replaced"
        f" by the best ticket; right request judged by {cal.judged_by}; {verdict}. The bot uses these"
        " settings with this version unless SUPPORTBOT_DISAGREE_BELOW / SUPPORTBOT_CLOSE_MATCH_SCORE /"
        " SUPPORTBOT_ESCALATE_BELOW_SCORE are set"
    ]


def metric_notes(settings: Settings, *, with_as_sent: bool) -> list[str]:
    """What the answer metrics mean."""
    notes = [
        "keyphrase_accuracy (right procedure): the answer contains every keyphrase of the question's intent",
        "right_request: the keyphrases where the questions have an intent; otherwise the answer shares the"
        " agent reply's telling words (IDF-weighted cosine >= 0.1, training.scores.names_request)",
        "invented_identifier_rate: share of answers with an order or ticket number, amount, e-mail or URL "
        "found neither in the question nor in the reference answer (step numbers are not identifiers)",
        "handover_rate: share of answers saying no past case fits (the bot hands those over)",
    ]
    if with_as_sent:
        notes.append(
            f"{AS_SENT}: the after answers with the bot's checks against its sources applied (a draft"
            " saying too little of what the retrieved tickets agree on, or finding no case beside a close"
            " match, becomes the best ticket); promotion compares this column with the top-ticket"
            " baseline: right request not below it, F1 above it"
        )
    return notes


def promotion_note(answers: dict[str, dict[str, Any]]) -> str:
    """What promotion will say against the top ticket, and why."""
    from supportbot.training.promotion import beats_baseline

    sent = answers.get(AS_SENT, {}).get("all", {})
    base = answers.get(BASELINE, {}).get("all", {})
    ok, why = beats_baseline(
        {
            "right_request": sent.get("right_request"),
            "keyphrase_accuracy": sent.get("keyphrase_accuracy"),
            "answer_f1": sent.get("f1"),
        },
        {
            "right_request": base.get("right_request"),
            "keyphrase_accuracy": base.get("keyphrase_accuracy"),
            "answer_f1": base.get("f1"),
        },
    )
    if ok:
        return f"promotion against the top ticket: passes ({why})"
    return f"promotion against the top ticket: REFUSED, the answers as sent are worse than showing the best ticket ({why})"


def examples(items: Sequence[EvalItem], generated: dict[str, list[str]]) -> list[dict[str, str]]:
    """About eight questions spread over the set, with every column's answer."""
    out = []
    for idx in range(0, len(items), max(1, len(items) // 8)):
        ex = {"question": items[idx].question, "reference": items[idx].reference}
        ex.update({name: texts[idx] for name, texts in generated.items()})
        out.append(ex)
    return out


def evaluate_run(
    *,
    model: Any,
    tokenizer: Any,
    base_model: str,
    adapter_dir: Path,
    version: str,
    config: FinetuneConfig,
    settings: Settings,
    sessions: Sessions | None,
    val_new: Sequence[Any],
    val_replay: Sequence[Any],
    out_dir: Path,
    held_out: Sequence[Conversation] | None = None,
    replay_used: int = 0,
) -> tuple[dict[str, Any], dict[str, Path]]:
    """A fine-tune's report (``model`` carries its adapter), written to ``out_dir``: its JSON and
    the paths of its files."""
    tokens = token_columns(model, val_new, val_replay, pad_id=tokenizer.pad_token_id)
    sets = eval_sets(config, held_out)
    items, eval_set = sets.report, sets.name
    cols = Columns()
    answers: dict[str, dict[str, Any]] = {}
    if items:
        answer_columns(
            cols,
            [i.question for i in items],
            model=model,
            tokenizer=tokenizer,
            config=config,
            settings=settings,
            sessions=sessions,
            base_model=base_model,
            adapter=(version, adapter_dir),
            sets=sets,
        )
        answers = cols.scored(items)
        cols.notes += metric_notes(settings, with_as_sent=AS_SENT in cols.generated)
        if AS_SENT in cols.generated:
            cols.notes += calibration_notes(cols.calibration, settings)
            cols.notes.append(promotion_note(answers))
    else:
        cols.notes.append("no held-out questions: answer quality not measured")
    if replay_used:
        cols.notes.append(
            f"replay: {replay_used} earlier conversations mixed in ({config.replay_ratio:g} per new one)"
        )
    else:
        cols.notes.append("replay: none")
    report = Report(
        title=f"{version}: LoRA fine-tune of {Path(base_model).name} — before vs after",
        token_metrics=tokens,
        answers=answers,
        examples=examples(items, cols.generated),
        notes=cols.notes,
        extra={
            "eval_set": eval_set,
            "eval_questions": len(items),
            "base": base_model,
            "calibration": cols.calibration.to_dict() if cols.calibration else None,
        },
    )
    paths = write_report(report, out_dir)
    return report.to_json(), paths


def evaluate_version(
    version: Any, *, settings: Settings, sessions: Sessions, questions: str | None, limit: int
) -> dict[str, Path]:
    """`supportbot train eval`: a model version (with its adapter, when it has one) against its
    base model and the top-ticket baseline on held-out questions; the report's paths."""
    from supportbot.training.base_model import load_base_model

    config = FinetuneConfig(eval_questions=questions, eval_max_questions=limit)
    items, eval_set = eval_items_for(config)
    if not items:
        raise InvalidInput("no held-out questions (pass --questions)")
    model, tokenizer = load_base_model(version.base_model, device=settings.device)
    qs = [i.question for i in items]
    generated = {"base": generate_answers(model, tokenizer, qs, progress=True)}
    if version.adapter_path:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, version.adapter_path)
        generated[version.name] = generate_answers(model, tokenizer, qs, progress=True)
    baseline = top_ticket_answers(settings, sessions, qs)
    if baseline is not None:
        generated[BASELINE] = baseline
    report = Report(
        title=f"evaluation of {version.name}",
        token_metrics={},
        answers={k: score_answers(t, items) for k, t in generated.items()},
        extra={"eval_set": eval_set},
    )
    return write_report(report, settings.reports_dir / f"eval-{version.name}")
