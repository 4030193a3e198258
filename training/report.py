"""The evaluation report of a fine-tune: before vs after, baseline, API styles, invented ids."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from training.config import FinetuneConfig
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


def ticket_baseline(settings: Any, sessions: Any, questions: Sequence[str]) -> list[str] | None:
    """Answer with the top retrieved ticket's resolution — what the bot does without a model."""
    try:
        from retrieval.search import Retriever

        retriever = Retriever.open(settings=settings, sessions=sessions)
    except Exception as exc:  # no index yet, or retrieval not set up: the report says so
        log.info("retrieval baseline skipped: %s", exc)
        return None
    answers = []
    for q in questions:
        hits = retriever.search(q, k=1)
        answers.append(hits[0].resolution if hits else "")
    return answers


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
    if items:
        questions = [i.question for i in items]
        with model.disable_adapter():
            generated["before"] = generate_answers(model, tokenizer, questions, progress=True)
        generated["after"] = generate_answers(model, tokenizer, questions, progress=True)
        if sessions is not None:
            baseline = ticket_baseline(settings, sessions, questions)
            if baseline is not None:
                generated["top ticket (baseline)"] = baseline
            else:
                notes.append("retrieval baseline skipped: no ticket index (run `supportbot index build`)")
        if config.serve_eval:
            try:
                from serving.embedded import EmbeddedServer

                with EmbeddedServer(base, adapters={version: str(adapter_dir)}) as server:
                    for mode in ("completion", "chat"):
                        generated[
                            f"after · /v1/{'completions' if mode == 'completion' else 'chat/completions'}"
                        ] = served_answers(server.base_url, version, questions, mode=mode)
            except Exception as exc:  # the report still stands without the served comparison
                log.warning("served evaluation skipped: %s", exc)
                notes.append(f"served evaluation skipped: {type(exc).__name__}: {exc}")
        for name, texts in generated.items():
            answers[name] = score_answers(texts, items)
        notes.append(
            "invented_identifier_rate: share of answers containing a number found neither in the question "
            "nor in the reference answer"
        )
    else:
        notes.append("no held-out questions: answer quality not measured")
    if config.replay_ratio > 0:
        notes.append(f"replay: earlier conversations mixed in at {config.replay_ratio:g} per new one")
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
