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
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import InvalidInput, ModelUnavailable
from training.base import SAMPLE_DIR
from training.config import FinetuneConfig
from training.context import TicketSettings, ground_or_plain, grounded_chat
from training.data import Conversation, LoadReport, Prepared, from_store_rows, load_file, prepare, spread
from training.pretrained import provenance_of

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], bool]  # (fraction done, stage) -> keep going?


@dataclass
class RunResult:
    version: str
    adapter_path: Path
    metrics: dict[str, Any]
    report_paths: dict[str, Path]


def resolve_base(config: FinetuneConfig, *, settings: Any, sessions: Any | None) -> str:
    """The base model: the flag, the active version's base, the setting, or our own default.

    A packaged alias (``smollm2-135m``: training/pretrained.py) becomes its converted folder."""
    from training.pretrained import resolve

    if config.base:
        return resolve(config.base, models_dir=settings.models_dir)
    if sessions is not None:
        from core import store

        with sessions() as s:
            active = store.active_model_version(s)
            if active is not None:
                return active.base_model
    if settings.base_model:
        return resolve(settings.base_model, models_dir=settings.models_dir)
    default = settings.default_base_model_dir
    if not (default / "config.json").exists():
        raise ModelUnavailable(
            f"no base model at {default}: run `supportbot train base` first (or pass --base)"
        )
    return str(default.resolve())


def _load(paths: list[str], eras: list[str], *, config: FinetuneConfig, what: str) -> list[Conversation]:
    sample = [str(SAMPLE_DIR / "conversations.jsonl")]
    use_sample = not paths
    report = LoadReport()
    out: list[Conversation] = []
    for p in paths or sample:
        path = Path(p)
        if not path.exists():
            raise InvalidInput(f"{path}: no such file")
        loaded, report = load_file(
            path, question_field=config.question_field, answer_field=config.answer_field
        )
        out += loaded
    if report.errors:
        shown = "\n  ".join(report.errors[:10])
        print(f"{what}: {len(report.errors)} bad line(s) skipped:\n  {shown}", file=sys.stderr)
    if use_sample and eras:
        out = [c for c in out if c.meta.get("era", "base") in eras]
    return out


def eval_questions_path(config: FinetuneConfig) -> Path | None:
    if config.eval_questions:
        return Path(config.eval_questions)
    default = SAMPLE_DIR / "eval_questions.jsonl"
    return default if default.exists() else None


def next_version_name(sessions: Any | None) -> str:
    if sessions is None:
        return "v1"
    from core import store

    with sessions() as s:
        names = {v.name for v in store.list_model_versions(s)}
    n = 1
    while f"v{n}" in names:
        n += 1
    return f"v{n}"


def gather_data(config: FinetuneConfig, *, sessions: Any | None) -> tuple[Prepared, Prepared]:
    """(new data, replay data), each redacted, masked, de-duplicated and split."""
    from training.evaluate import load_eval_items

    eval_path = eval_questions_path(config)
    held_out = [i.question for i in load_eval_items(eval_path)] if eval_path else []
    new = _load(config.data, config.data_eras, config=config, what="data")
    if config.conversations and sessions is not None:
        from core import store

        with sessions() as s:
            own = from_store_rows(store.training_conversations(s))
        new += own
    if not new:
        raise InvalidInput("no conversations to learn from (check --data)")
    replay: list[Conversation] = []
    if config.replay_ratio > 0 and config.data and not config.replay:
        # The bundled sample is another company's history: it is replayed only into fine-tunes on
        # the sample itself, never into a team's own logs.
        print(
            "replay: none (pass --replay FILE with your earlier logs so the old topics are not forgotten)",
            file=sys.stderr,
        )
    elif config.replay_ratio > 0:
        pool = _load(config.replay, config.replay_eras, config=config, what="replay")
        want = int(len(new) * config.replay_ratio)
        replay = spread(pool, want)  # deterministic, over the whole history
    return (
        prepare(new, eval_questions=held_out, val_fraction=config.val_fraction),
        prepare(replay, eval_questions=held_out, val_fraction=config.val_fraction),
    )


def _training_retriever(config: FinetuneConfig, *, settings: Any, sessions: Any | None) -> Any | None:
    """The ticket index the examples' tickets come from; None (said on stderr) without one."""
    if config.tickets <= 0 or sessions is None:
        return None
    try:
        from retrieval.search import Retriever

        return Retriever.open(settings=settings, sessions=sessions)
    except Exception as exc:
        print(f"tickets: none in the prompts ({exc})", file=sys.stderr)
        return None


def load_base(base: str, *, device: str = "auto"):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    use_cuda = torch.cuda.is_available() and device != "cpu"
    dtype = torch.bfloat16 if use_cuda and torch.cuda.is_bf16_supported() else torch.float32
    try:
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype)
    except OSError as exc:
        raise ModelUnavailable(f"cannot load base model {base!r}: {str(exc).splitlines()[0]}") from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token  # reuse, never add tokens (adapters stay vLLM-loadable)
    if not tokenizer.chat_template:
        raise InvalidInput(f"{base} has no chat template; fine-tuning needs one to format conversations")
    if use_cuda:
        model = model.to("cuda")
    return model, tokenizer


def run_finetune(
    config: FinetuneConfig,
    *,
    settings: Any,
    sessions: Any | None = None,
    job_id: int | None = None,
    on_progress: ProgressFn | None = None,
    progress: bool = True,
    version: str | None = None,
) -> RunResult:
    """Fine-tune, evaluate, save, register. Raises on failure, leaving the registry untouched."""
    from peft import LoraConfig, get_peft_model

    from training.loop import make_accelerator, plot_losses, train
    from training.sft import encode, pack

    config.validate()
    base = resolve_base(config, settings=settings, sessions=sessions)
    version = version or next_version_name(sessions)
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
        model, tokenizer = load_base(base, device=settings.device)
        report_progress(0.02, "loading data")
        new, replay = gather_data(config, sessions=sessions)
        max_length = min(config.max_length, getattr(tokenizer, "model_max_length", 10**9) or 10**9)
        # Every example with the tickets the bot would show for it (training/context.py).
        report_progress(0.03, "retrieving tickets for the examples")
        retriever = _training_retriever(config, settings=settings, sessions=sessions)
        ticket_settings = TicketSettings(
            k=config.tickets,
            budget=config.ticket_budget,
            unrelated_share=config.unrelated_share,
            seed=config.seed,
        )
        plain = TicketSettings(k=config.tickets, budget=config.ticket_budget, unrelated_share=0.0)
        train_set, grounding = ground_or_plain(
            new.train + replay.train, retriever=retriever, settings=ticket_settings
        )
        val_new_set, _ = ground_or_plain(new.val, retriever=retriever, settings=plain)
        val_replay_set, _ = ground_or_plain(replay.val, retriever=retriever, settings=plain)

        def chat(g: Any) -> list[dict[str, str]]:
            return grounded_chat(g, budget=config.ticket_budget)

        train_ex = [e for g in train_set if (e := encode(tokenizer, chat(g), max_length=max_length))]
        val_new = [e for g in val_new_set if (e := encode(tokenizer, chat(g), max_length=max_length))]
        val_replay = [e for g in val_replay_set if (e := encode(tokenizer, chat(g), max_length=max_length))]
        if not train_ex:
            raise InvalidInput("no training examples left after preparation")
        val_new, val_replay = (
            spread(val_new, config.val_max_examples),
            spread(val_replay, config.val_max_examples),
        )
        units = (
            len(pack(train_ex, max_length=max_length, pad_id=tokenizer.pad_token_id))
            if config.packing
            else len(train_ex)
        )
        steps = config.steps or max(
            1, math.ceil(config.epochs * units / (config.batch_size * config.grad_accum))
        )

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

        def on_step(step: int, total: int, loss: float) -> bool:
            return report_progress(
                0.05 + 0.75 * step / total, f"training step {step}/{total} loss {loss:.3f}"
            )

        def checkpoint(m: Any, step: int) -> None:
            m.save_pretrained(work_dir / "checkpoints" / f"step-{step}")

        result = train(
            model,
            accelerator=accelerator,
            examples=train_ex,
            val_examples=val_new,
            steps=steps,
            batch_size=config.batch_size,
            grad_accum=config.grad_accum,
            lr=config.lr,
            warmup_ratio=config.warmup,
            packing=config.packing,
            max_length=max_length,
            pad_id=tokenizer.pad_token_id,
            seed=config.seed,
            eval_every=max(1, steps // 5),
            checkpoint_every=config.checkpoint_every,
            checkpoint=checkpoint,
            on_step=on_step,
            progress=progress,
            desc=f"train {version}",
        )
        model = accelerator.unwrap_model(model)
        if not accelerator.is_main_process:
            return RunResult(version, final_dir, {}, {})
        model.save_pretrained(work_dir)
        tokenizer.save_pretrained(work_dir)
        from training.modeling import generation_config

        generation_config(tokenizer).save_pretrained(work_dir)
        plot_losses(result, work_dir / "loss.png", title=f"LoRA fine-tune {version}")

        if not report_progress(0.8, "evaluating"):
            from training.loop import Cancelled

            raise Cancelled("cancelled before evaluation")
        from training.report import evaluate_run

        report_json, paths = evaluate_run(
            model=model,
            tokenizer=tokenizer,
            base=base,
            adapter_dir=work_dir,
            version=version,
            config=config,
            settings=settings,
            sessions=sessions,
            val_new=val_new,
            val_replay=val_replay,
            out_dir=work_dir,
            held_out=new.val,
            replay_used=len(replay.train) + len(replay.val),
        )
        from training.evaluate import headline

        baseline = headline(report_json, "top ticket (baseline)")
        from training.report import AS_SENT

        as_sent = headline(report_json, AS_SENT)
        metrics = {
            **headline(report_json, "after"),
            "before": headline(report_json, "before"),
            "as_sent": as_sent if as_sent.get("answer_f1") is not None else None,
            "baseline": baseline if baseline.get("answer_f1") is not None else None,
            "eval_set": report_json["extra"].get("eval_set"),
            "steps": result.steps,
            "train_seconds": round(result.seconds, 1),
            "tokens_per_s": round(result.tokens_per_s),
            "train_conversations": {"new": len(new.train), "replay": len(replay.train)},
            "pii_redacted": dict(new.pii + replay.pii),
            "tickets_in_prompt": config.tickets if grounding is not None else 0,
            "ticket_budget": config.ticket_budget,
            "grounding": grounding.to_dict() if grounding is not None else None,
            "base_provenance": provenance_of(base),
        }
        (work_dir / "supportbot.json").write_text(
            json.dumps(
                {
                    "kind": "lora",
                    "version": version,
                    "base": base,
                    "config": config.to_dict(),
                    "metrics": metrics,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        # Everything succeeded: move into place, keep a copy of the report, register the candidate.
        work_dir.rename(final_dir)
        reports = settings.reports_dir / version
        reports.mkdir(parents=True, exist_ok=True)
        for name in ("eval.md", "eval.json", "eval.png", "loss.png"):
            if (final_dir / name).exists():
                shutil.copy2(final_dir / name, reports / name)
        if sessions is not None:
            from core import store
            from core.db import transaction

            with transaction(sessions) as s:
                store.create_model_version(
                    s,
                    name=version,
                    base_model=base,
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
