"""`supportbot train run`: LoRA fine-tuning on support logs, evaluated before vs after.

Every run becomes a candidate model version in the registry; `supportbot model promote` makes it
the one the bot talks to. A run that fails leaves everything as it was: the adapter is written to
a temporary folder and only moved into place (and registered) once training and evaluation ended.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportbot.core.errors import InvalidInput
from supportbot.training.base_model import load_base_model, resolve_base_model
from supportbot.training.config import FinetuneConfig
from supportbot.training.context import GroundingStats
from supportbot.training.data import Prepared
from supportbot.training.evaluation import AS_SENT, BASELINE, evaluate_run
from supportbot.training.finetune_data import Examples, build_examples, gather_data, training_retriever
from supportbot.training.loop import Cancelled, LoopResult
from supportbot.training.pretrained import provenance_of
from supportbot.training.registry import next_version_name, register_version
from supportbot.training.report import headline

if TYPE_CHECKING:
    from supportbot.core.db import Sessions
    from supportbot.core.settings import Settings

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], bool]  # (fraction done, stage) -> keep going?

REPORT_FILES = ("eval.md", "eval.json", "eval.png", "loss.png")


@dataclass
class RunResult:
    version: str
    adapter_path: Path
    metrics: dict[str, Any]
    report_paths: dict[str, Path]


def next_free_version(sessions: Sessions | None) -> str:
    """The name this run's candidate will be registered under ("v1" without a registry)."""
    if sessions is None:
        return "v1"
    with sessions() as s:
        return next_version_name(s, adapter=True)


def optimizer_steps(config: FinetuneConfig, examples: Examples, *, pad_id: int) -> int:
    """``steps``, or as many as ``epochs`` passes over the (packed) examples take."""
    from supportbot.training.sft import pack

    if config.steps:
        return config.steps
    units = (
        len(pack(examples.train, max_length=examples.max_length, pad_id=pad_id))
        if config.packing
        else len(examples.train)
    )
    return max(1, math.ceil(config.epochs * units / (config.batch_size * config.grad_accum)))


def answers_to_generate(config: FinetuneConfig, held_out: list[Any]) -> tuple[list[str], int]:
    """(the report's questions, how many answers the evaluation generates): before, after and
    without tickets on the report's questions, the first of them twice more through the server,
    and the drafts the checks are calibrated on."""
    from supportbot.training.eval_set import eval_sets

    sets = eval_sets(config, held_out)
    columns = 2 + (1 if config.tickets else 0)
    served = 2 * config.served(len(sets.report))  # completion and chat
    # The calibration's questions are asked as worded and once more thinned (calibration.reworded).
    return [i.question for i in sets.report], len(sets.report) * columns + served + 2 * len(sets.calibration)


def say_estimate(
    model: Any, tokenizer: Any, examples: Examples, *, config: FinetuneConfig, steps: int, held_out: list[Any],
    spent_s: float = 0.0,
) -> None:  # fmt: skip
    """How long the run will take, measured on this machine before its steps start (training.eta);
    ``spent_s``: already spent loading the model and building the examples."""
    from supportbot.training.eta import measure, prompt_ids, say

    questions, answers = answers_to_generate(config, held_out)
    estimate = measure(
        model, tokenizer, examples.train, examples.val_new, steps=steps, eval_every=eval_every(steps),
        batch_size=config.batch_size * config.grad_accum, max_length=examples.max_length,
        packing=config.packing, answers=answers, max_new_tokens=config.max_answer_tokens,
        prompts=prompt_ids(examples.val_new or examples.train), questions=questions, spent_s=spent_s,
    )  # fmt: skip
    say(f"train run: {len(examples.train)} examples; {estimate.describe('fine-tune and evaluation')}")


def eval_every(steps: int) -> int:
    """How often the fine-tune measures its validation loss: five times a run."""
    return max(1, steps // 5)


def train_adapter(
    model: Any, tokenizer: Any, examples: Examples, *, config: FinetuneConfig, work_dir: Path,
    version: str, report_progress: ProgressFn, progress: bool, held_out: list[Any] | None = None,
    started: float | None = None,
) -> tuple[Any, LoopResult, bool]:  # fmt: skip
    """A LoRA adapter on ``model``, trained; (the model with it, the loop's result, whether this
    is the main process: under DDP only that one saves and evaluates)."""
    from peft import LoraConfig, get_peft_model

    from supportbot.training.loop import make_accelerator, train

    steps = optimizer_steps(config, examples, pad_id=tokenizer.pad_token_id)
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=_present_modules(model, config.target_modules),
        task_type="CAUSAL_LM",
        bias="none",
    )
    # Seeded before the adapter exists: its initial weights are part of what `seed` fixes.
    accelerator = make_accelerator(seed=config.seed)
    model = get_peft_model(model, lora)
    if progress and held_out is not None:
        spent_s = time.perf_counter() - started if started is not None else 0.0
        say_estimate(
            model, tokenizer, examples, config=config, steps=steps, held_out=held_out, spent_s=spent_s
        )

    def on_step(step: int, total: int, loss: float) -> bool:
        return report_progress(0.05 + 0.75 * step / total, f"training step {step}/{total} loss {loss:.3f}")

    def checkpoint(m: Any, step: int) -> None:
        m.save_pretrained(work_dir / "checkpoints" / f"step-{step}")

    result = train(
        model,
        accelerator=accelerator,
        examples=examples.train,
        val_examples=examples.val_new,
        steps=steps,
        batch_size=config.batch_size,
        grad_accum=config.grad_accum,
        lr=config.lr,
        warmup_ratio=config.warmup,
        packing=config.packing,
        max_length=examples.max_length,
        pad_id=tokenizer.pad_token_id,
        seed=config.seed,
        eval_every=eval_every(steps),
        checkpoint_every=config.checkpoint_every,
        checkpoint=checkpoint,
        on_step=on_step,
        progress=progress,
        desc=f"train {version}",
    )
    return accelerator.unwrap_model(model), result, accelerator.is_main_process


def save_adapter(model: Any, tokenizer: Any, result: LoopResult, *, work_dir: Path, version: str) -> None:
    """The adapter, its tokenizer, generation settings and loss curve, loadable by peft and vLLM."""
    from supportbot.training.loop import plot_losses
    from supportbot.training.modeling import generation_config

    model.save_pretrained(work_dir)
    tokenizer.save_pretrained(work_dir)
    generation_config(tokenizer).save_pretrained(work_dir)
    plot_losses(result, work_dir / "loss.png", title=f"LoRA fine-tune {version}")


def run_metrics(
    report_json: dict[str, Any], result: LoopResult, *, config: FinetuneConfig, new: Prepared,
    replay: Prepared, grounding: GroundingStats | None, base_model: str,
) -> dict[str, Any]:  # fmt: skip
    """What the registry keeps of a run: the report's headline numbers (after, before, as the
    bot sends it, the baseline) and how it was trained."""
    baseline = headline(report_json, BASELINE)
    as_sent = headline(report_json, AS_SENT)
    return {
        **headline(report_json, "after"),
        "before": headline(report_json, "before"),
        "as_sent": as_sent if as_sent.get("answer_f1") is not None else None,
        "baseline": baseline if baseline.get("answer_f1") is not None else None,
        "eval_set": report_json["extra"].get("eval_set"),
        # The checks' settings the bot uses with this version (training.calibration), without the
        # table of every setting tried (that is in the report's JSON).
        "calibration": {
            k: v for k, v in (report_json["extra"].get("calibration") or {}).items() if k != "table"
        }
        or None,
        "steps": result.steps,
        "train_seconds": round(result.seconds, 1),
        "tokens_per_s": round(result.tokens_per_s),
        "train_conversations": {"new": len(new.train), "replay": len(replay.train)},
        "pii_redacted": dict(new.pii + replay.pii),
        "tickets_in_prompt": config.tickets if grounding is not None else 0,
        "ticket_budget": config.ticket_budget,
        "grounding": grounding.to_dict() if grounding is not None else None,
        "base_provenance": provenance_of(base_model),
    }


def write_manifest(
    work_dir: Path, *, version: str, base_model: str, config: FinetuneConfig, metrics: dict[str, Any]
) -> None:
    """supportbot.json beside the adapter: what it is, on which base model, how it was made."""
    manifest = {
        "kind": "lora",
        "version": version,
        "base": base_model,
        "config": config.to_dict(),
        "metrics": metrics,
    }
    (work_dir / "supportbot.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))


def move_into_place(work_dir: Path, final_dir: Path, *, reports: Path) -> None:
    """The finished adapter folder under its version's name, a copy of its report in ``reports``."""
    work_dir.rename(final_dir)
    reports.mkdir(parents=True, exist_ok=True)
    for name in REPORT_FILES:
        if (final_dir / name).exists():
            shutil.copy2(final_dir / name, reports / name)


def run_finetune(
    config: FinetuneConfig,
    *,
    settings: Settings,
    sessions: Sessions | None = None,
    job_id: int | None = None,
    on_progress: ProgressFn | None = None,
    progress: bool = True,
    version: str | None = None,
) -> RunResult:
    """Fine-tune, evaluate, save, register. Raises on failure, leaving the registry untouched."""
    started = time.perf_counter()
    config.validate()
    base_model = resolve_base_model(config, settings=settings, sessions=sessions)
    version = version or next_free_version(sessions)
    final_dir = settings.adapters_dir / version
    if final_dir.exists():
        raise InvalidInput(f"{final_dir} already exists")
    work_dir = settings.adapters_dir / f".{version}.partial"
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)

    def report_progress(fraction: float, stage: str) -> bool:
        return on_progress(fraction, stage) if on_progress else True

    try:
        report_progress(0.0, "loading the base model")
        model, tokenizer = load_base_model(base_model, device=settings.device)
        report_progress(0.02, "loading data")
        new, replay = gather_data(config, sessions=sessions)
        report_progress(0.03, "retrieving tickets for the examples")
        retriever = training_retriever(config, settings=settings, sessions=sessions)
        examples = build_examples(config, tokenizer, new, replay, retriever=retriever)
        model, result, main_process = train_adapter(
            model,
            tokenizer,
            examples,
            config=config,
            work_dir=work_dir,
            version=version,
            report_progress=report_progress,
            progress=progress,
            held_out=new.val + replay.val,
            started=started,
        )
        if not main_process:
            return RunResult(version, final_dir, {}, {})
        save_adapter(model, tokenizer, result, work_dir=work_dir, version=version)
        if not report_progress(0.8, "evaluating"):
            raise Cancelled("cancelled before evaluation")
        report_json, paths = evaluate_run(
            model=model,
            tokenizer=tokenizer,
            base_model=base_model,
            adapter_dir=work_dir,
            version=version,
            config=config,
            settings=settings,
            sessions=sessions,
            val_new=examples.val_new,
            val_replay=examples.val_replay,
            out_dir=work_dir,
            held_out=new.val + replay.val,
            replay_used=len(replay.train) + len(replay.val),
        )
        metrics = run_metrics(
            report_json,
            result,
            config=config,
            new=new,
            replay=replay,
            grounding=examples.grounding,
            base_model=base_model,
        )
        write_manifest(work_dir, version=version, base_model=base_model, config=config, metrics=metrics)
        # Everything succeeded: move into place, keep a copy of the report, register the candidate.
        reports = settings.reports_dir / version
        move_into_place(work_dir, final_dir, reports=reports)
        if sessions is not None:
            register_version(
                sessions,
                name=version,
                base_model=base_model,
                adapter_path=str(final_dir.resolve()),
                metrics=metrics,
                job_id=job_id,
            )
        report_progress(1.0, "done")
        return RunResult(version, final_dir, metrics, {k: reports / p.name for k, p in paths.items()})
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise


def _present_modules(model: Any, wanted: list[str]) -> list[str]:
    """The requested target modules that exist in this architecture (names differ per family)."""
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    present = [m for m in wanted if m in names]
    if not present:
        raise InvalidInput(f"none of the target modules {wanted} exist in this model")
    return present
