"""The evaluation report of a fine-tune: before vs after, baseline, API styles, invented ids."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from training.config import FinetuneConfig
from training.context import tickets_for
from training.data import Conversation, spread
from training.evaluate import (
    EvalItem,
    Report,
    generate_answers,
    load_eval_items,
    score_answers,
    served_answers,
    write_report,
)
from training.loop import token_metrics

log = logging.getLogger(__name__)


def eval_items_for(
    config: FinetuneConfig, held_out: Sequence[Conversation] | None = None
) -> tuple[list[EvalItem], str | None]:
    """The held-out questions: --eval-questions; for a team's own logs without it, the first
    question and answer of each validation conversation; else the bundled sample's questions."""
    from training.finetune import eval_questions_path

    if held_out is not None and config.data and not config.eval_questions:
        items = spread(
            [
                EvalItem(question=c.first_question, reference=c.first_answer)
                for c in held_out
                if c.first_question and c.first_answer
            ],
            config.eval_max_questions,
        )
        digest = hashlib.sha256(
            "\n".join(f"{i.question}\t{i.reference}" for i in items).encode()
        ).hexdigest()[:16]
        return items, f"validation-{digest}"
    path = eval_questions_path(config)
    if path is None:
        return [], None
    intents = path.parent / "intents.json"
    items = load_eval_items(path, intents_path=intents, limit=config.eval_max_questions)
    digest = hashlib.sha256(path.read_bytes() + str(config.eval_max_questions).encode()).hexdigest()[:16]
    return items, digest


def open_retriever(settings: Any, sessions: Any) -> Any | None:
    """The ticket index, or None (the report then says what it could not measure)."""
    try:
        from retrieval.search import Retriever

        return Retriever.open(settings=settings, sessions=sessions)
    except Exception as exc:  # no index yet, or retrieval not set up
        log.info("no ticket index for the evaluation: %s", exc)
        return None


def present(hit: Any, question: str) -> str:
    """The top ticket as the bot shows it without a model: its resolution, the past customer's
    order numbers and amounts replaced by this customer's (or by a neutral phrase)."""
    from core.identifiers import Masker, present_past

    if hit is None:
        return ""
    masker = Masker()
    masker.mask(question)
    return present_past(hit.resolution, masker)


AS_SENT = "after · as the bot sends it"


def as_sent(
    drafts: Sequence[str], questions: Sequence[str], *, tickets: Sequence[Sequence[Any]], tops: Sequence[Any],
    weights: Any, settings: Any,
) -> list[str]:  # fmt: skip
    """The drafts after the bot's checks against its sources (bot.grounding.check_against_sources,
    with the bot's settings), given each question's retrieved tickets and top hit. The identifier
    guard is left out: invented identifiers are counted in the drafts instead."""
    from usecases.grounding import check_against_sources

    out = []
    for draft, question, context, top in zip(drafts, questions, tickets, tops, strict=True):
        verdict = check_against_sources(
            draft,
            [t.resolution for t in context],
            top.score if top is not None else None,
            weights=weights,
            disagree_below=settings.disagree_below,
            close_match_score=settings.close_match_score,
        )
        out.append(present(top, question) if top is not None and verdict.show_best else draft)
    return out


def timed(fn: Any, n: int) -> tuple[list[str], float]:
    started = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - started) * 1000 / max(1, n)


def evaluate_run(
    *,
    model: Any,
    tokenizer: Any,
    base: str,
    adapter_dir: Path,
    version: str,
    config: FinetuneConfig,
    settings: Any,
    sessions: Any | None,
    val_new: Sequence[Any],
    val_replay: Sequence[Any],
    out_dir: Path,
    held_out: Sequence[Conversation] | None = None,
    replay_used: int = 0,
) -> tuple[dict[str, Any], dict[str, Path]]:
    pad = tokenizer.pad_token_id
    notes: list[str] = []
    tokens: dict[str, dict[str, float]] = {}
    with model.disable_adapter():
        tokens["before"] = token_metrics(model, list(val_new), pad_id=pad)
        if val_replay:
            tokens["before · earlier topics"] = token_metrics(model, list(val_replay), pad_id=pad)
    tokens["after"] = token_metrics(model, list(val_new), pad_id=pad)
    if val_replay:
        tokens["after · earlier topics"] = token_metrics(model, list(val_replay), pad_id=pad)

    items, eval_set = eval_items_for(config, held_out)
    answers: dict[str, dict[str, Any]] = {}
    generated: dict[str, list[str]] = {}
    speed: dict[str, float] = {}
    k = config.tickets
    retriever = open_retriever(settings, sessions) if sessions is not None else None
    if items:
        questions = [i.question for i in items]
        contexts: list[list[Any]] | None = None
        if retriever is not None:
            # As many as the bot retrieves (its checks read them all), the first k in prompts.
            contexts, tops = tickets_for(retriever, questions, k=max(1, k, settings.retrieval_k))
            generated["top ticket (baseline)"] = [present(h, q) for h, q in zip(tops, questions, strict=True)]
        else:
            notes.append("top-ticket baseline skipped: no ticket index (run `supportbot index build`)")
        prompts = [c[:k] for c in contexts] if (k > 0 and contexts is not None) else None
        if prompts is not None:
            notes.append(f"before / after: {k} retrieved tickets in each prompt, as the bot sends them")
        elif k > 0:
            notes.append("before / after: no tickets in the prompt (no ticket index)")

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

        with model.disable_adapter():
            generated["before"], speed["before"] = timed(lambda: gen(prompts), len(questions))
        generated["after"], speed["after"] = timed(lambda: gen(prompts), len(questions))
        if contexts is not None:
            # What the bot sends: a draft about another request than its tickets agree on, or a
            # "no past case fits" with a close match, becomes the best ticket (bot/responder.py).
            from usecases.grounding import TermWeights

            generated[AS_SENT] = as_sent(
                generated["after"],
                questions,
                tickets=contexts,
                tops=tops,
                weights=TermWeights.from_store(retriever.sessions),
                settings=settings,
            )
        if prompts is not None:  # what the tickets add: the same model, none in the prompt
            generated["after · no tickets"], speed["after · no tickets"] = timed(
                lambda: gen(None), len(questions)
            )
        if config.serve_eval:
            try:
                from serving.embedded import EmbeddedServer

                with EmbeddedServer(base, adapters={version: str(adapter_dir)}) as server:
                    for mode in ("completion", "chat"):
                        name = f"after · /v1/{'completions' if mode == 'completion' else 'chat/completions'}"
                        generated[name], speed[name] = timed(
                            lambda mode=mode: served_answers(
                                server.base_url,
                                version,
                                questions,
                                mode=mode,
                                tickets=prompts,
                                ticket_budget=config.ticket_budget,
                                max_tokens=config.max_answer_tokens,
                            ),
                            len(questions),
                        )
            except Exception as exc:  # the report still stands without the served comparison
                log.warning("served evaluation skipped: %s", exc)
                notes.append(f"served evaluation skipped: {type(exc).__name__}: {exc}")
        for name, texts in generated.items():
            answers[name] = score_answers(texts, items)
            for group in answers[name].values():
                group["ms_per_answer"] = round(speed[name], 1) if name in speed else None
        notes.append(
            "keyphrase_accuracy (right procedure): the answer contains every keyphrase of the question's intent"
        )
        notes.append(
            "invented_identifier_rate: share of answers with an order or ticket number, amount, e-mail or URL "
            "found neither in the question nor in the reference answer (step numbers are not identifiers)"
        )
        notes.append("handover_rate: share of answers saying no past case fits (the bot hands those over)")
        if AS_SENT in generated:
            notes.append(
                f"{AS_SENT}: the after answers with the bot's checks against its sources applied (a draft"
                f" saying less than {settings.disagree_below:g} of what the retrieved tickets agree on, or"
                f" finding no case where the closest scores {settings.close_match_score:g}+, becomes the best"
                " ticket); promotion compares this column with the top-ticket baseline"
            )
    else:
        notes.append("no held-out questions: answer quality not measured")
    if replay_used:
        notes.append(
            f"replay: {replay_used} earlier conversations mixed in ({config.replay_ratio:g} per new one)"
        )
    else:
        notes.append("replay: none")
    examples = []
    for idx in range(0, len(items), max(1, len(items) // 8)):
        ex = {"question": items[idx].question, "reference": items[idx].reference}
        ex.update({name: texts[idx] for name, texts in generated.items()})
        examples.append(ex)
    report = Report(
        title=f"{version}: LoRA fine-tune of {Path(base).name} — before vs after",
        token_metrics=tokens,
        answers=answers,
        examples=examples,
        notes=notes,
        extra={"eval_set": eval_set, "eval_questions": len(items), "base": base},
    )
    paths = write_report(report, out_dir)
    return report.to_json(), paths
