"""`supportbot train base`: the default model, trained from scratch on the bundled support logs.

No model hub is reachable from where this runs, so the product brings its own small chat model:
a byte-level BPE tokenizer and a small Llama-style transformer trained on the older part of the
sample history. `supportbot train run` then fine-tunes it with LoRA on newer logs — the same path
a team with a pretrained instruct model (Qwen, Llama …) takes with `--base NAME_OR_PATH`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from supportbot.core.errors import InvalidInput
from supportbot.core.prompt import DEFAULT_SYSTEM
from supportbot.training.data import EARLIER_ERA, SAMPLE_DIR, Conversation, load_file, newest_apart, prepare


@dataclass
class DefaultModelConfig:
    """How the default model is built. Every field is a flag of `supportbot train base`."""

    data: list[str] = field(default_factory=lambda: [str(SAMPLE_DIR / "conversations.jsonl")])
    eras: list[str] = field(default_factory=lambda: [EARLIER_ERA])  # which part of the sample history
    eval_questions: str | None = str(SAMPLE_DIR / "eval_questions.jsonl")
    size: str = "small"  # tiny | small | medium (training/modeling.py)
    vocab_size: int = 4096
    # Room for the retrieved tickets in the system turn: with 2 (the default) examples are 268
    # tokens at the median, 348 at p95; 3 tickets needed 512 and nearly twice the training time.
    context: int = 384
    steps: int = 800
    batch_size: int = 8
    lr: float = 4e-3
    seed: int = 0
    # The fine-tune's validation share (FinetuneConfig.val_fraction), split by the same hash of
    # the conversation's id: a conversation the fine-tune validates and calibrates on is never
    # one the base model learned.
    val_fraction: float = 0.1
    # A team's own logs (--data): the newest share is left to `train run` (training.data.
    # newest_apart), as the sample's recent era is: the fine-tune then learns what changed lately.
    hold_newest: float = 0.2
    question_field: str = "question"  # question/answer CSV files: their columns
    answer_field: str = "resolution"
    # Loss on the answers only: a small model trained on everything spends itself on modelling
    # the customers' noisy phrasing and never learns which procedure answers which question.
    assistant_only: bool = True
    system: str = DEFAULT_SYSTEM
    # Retrieved tickets in every example's prompt, as the bot shows them (training/context.py):
    # how many, their token budget, and the share of examples whose tickets do not fit.
    # Measured on the sample (bench/grounding.py, README): 2 tickets in retrieval order beat 3
    # shuffled ones on the right procedure (0.873 vs 0.850 after the fine-tune) in half the time.
    tickets: int = 2
    ticket_budget: int = 180
    unrelated_share: float = 0.05
    # Examples whose customer wording is thinned out, so the answer is learned from the tickets
    # (training.context.thinned).
    thin_share: float = 0.25


@dataclass
class DefaultModelResult:
    path: Path
    metrics: dict[str, Any]


def say_estimate(
    model: Any, tokenizer: Any, examples: list[Any], val_examples: list[Any], *, config: DefaultModelConfig,
    spent_s: float, then_answers: int, conversations: int, eval_every: int,
) -> None:  # fmt: skip
    """How long `train base` takes in all, said once the steps can be timed (training.eta): the
    data and tokenizer already spent, the steps, the validation passes along them, and the
    calibration's answers after them (on the third set's 1,915 tickets the steps alone said 4.3
    minutes of a run that took 6.4)."""
    from supportbot.training.config import FinetuneConfig
    from supportbot.training.eta import measure, prompt_ids, say

    estimate = measure(
        model, tokenizer, examples, val_examples, steps=config.steps, eval_every=eval_every,
        batch_size=config.batch_size, max_length=config.context, packing=True, answers=then_answers,
        max_new_tokens=FinetuneConfig().max_answer_tokens, prompts=prompt_ids(examples), spent_s=spent_s,
        answering=f"{then_answers} calibration questions",
    )  # fmt: skip
    say(
        f"train base: {conversations} conversations, {len(tokenizer):,}-token vocabulary;"
        f" {estimate.describe('training and calibration' if then_answers else 'training')}"
    )


def load_eval_questions(path: str | None) -> list[str]:
    if not path or not Path(path).exists():
        return []
    return [
        json.loads(line)["question"]
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def is_own_data(paths: list[str]) -> bool:
    """Whether these are a team's own logs rather than the bundled sample's."""
    sample = (SAMPLE_DIR / "conversations.jsonl").resolve()
    return any(Path(p).resolve() != sample for p in paths)


def load_conversations(
    paths: list[str],
    *,
    eras: list[str] | None,
    question_field: str = "question",
    answer_field: str = "resolution",
) -> list[Conversation]:
    """Chat JSONL or question/answer CSV files (by suffix), bad lines named and skipped."""
    conversations: list[Conversation] = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InvalidInput(f"{path}: no such file")
        loaded, report = load_file(path, question_field=question_field, answer_field=answer_field)
        if report.errors:
            # Bad lines are skipped, not fatal; say how many and where the first ones are.
            import sys

            shown = "\n  ".join(report.errors[:5])
            print(f"{len(report.errors)} line(s) skipped:\n  {shown}", file=sys.stderr)
        conversations += loaded
    if eras:
        conversations = [c for c in conversations if c.meta.get("era", EARLIER_ERA) in eras]
    if not conversations:
        raise InvalidInput("no conversations to train on")
    return conversations


def train_default_model(
    config: DefaultModelConfig, *, out_dir: Path, progress: bool = True, retriever: Any | None = None,
    then_answers: int = 0,
) -> DefaultModelResult:  # fmt: skip
    """Tokenizer + model from scratch; saved with save_pretrained (loadable by any HF tool).

    With a ``retriever`` (the ticket index) every example carries the tickets it would get at
    answer time (``training.context``); without one the model learns to answer without them.
    ``then_answers``: how many answers the caller generates with the model afterwards (the
    checks' calibration), counted in the time said up front.
    """
    import time

    import torch

    started = time.perf_counter()

    from supportbot.training.context import TicketSettings, ground_or_plain, grounded_chat
    from supportbot.training.loop import make_accelerator, plot_losses, token_metrics, train
    from supportbot.training.modeling import build_model, count_parameters
    from supportbot.training.sft import encode
    from supportbot.training.tokenizer import train_tokenizer

    conversations = load_conversations(
        config.data, eras=config.eras, question_field=config.question_field, answer_field=config.answer_field
    )
    held_back = 0
    if is_own_data(config.data) and config.hold_newest > 0:
        conversations, newest = newest_apart(conversations, config.hold_newest)
        held_back = len(newest)
    prepared = prepare(
        conversations,
        eval_questions=load_eval_questions(config.eval_questions),
        val_fraction=config.val_fraction,
    )

    tickets = TicketSettings(
        k=config.tickets,
        budget=config.ticket_budget,
        unrelated_share=config.unrelated_share,
        seed=config.seed,
        thin_share=config.thin_share,
    )
    train_set, grounding = ground_or_plain(
        prepared.train, retriever=retriever, settings=tickets, progress=progress
    )
    # Validation: tickets as retrieval gives them, none made unrelated on purpose.
    val_set, _ = ground_or_plain(
        prepared.val,
        retriever=retriever,
        settings=TicketSettings(k=tickets.k, budget=tickets.budget, unrelated_share=0.0),
    )

    def chat(g: Any) -> list[dict[str, str]]:
        return grounded_chat(g, budget=config.ticket_budget, system=config.system)

    from supportbot.core.prompt import render_flat

    tokenizer = train_tokenizer(
        (render_flat(chat(g), add_generation_prompt=False) for g in train_set),
        vocab_size=config.vocab_size,
        max_length=config.context,
    )
    model = build_model(tokenizer, size=config.size, context=config.context, seed=config.seed)
    train_ex = [
        e
        for g in train_set
        if (e := encode(tokenizer, chat(g), max_length=config.context, assistant_only=config.assistant_only))
    ]
    val_ex = [e for g in val_set if (e := encode(tokenizer, chat(g), max_length=config.context))]
    eval_every = max(1, config.steps // 6)
    if progress:
        say_estimate(
            model, tokenizer, train_ex, val_ex, config=config, spent_s=time.perf_counter() - started,
            then_answers=then_answers, conversations=len(train_set), eval_every=eval_every,
        )  # fmt: skip
    accelerator = make_accelerator(seed=config.seed)
    result = train(
        model,
        accelerator=accelerator,
        examples=train_ex,
        val_examples=val_ex,
        steps=config.steps,
        batch_size=config.batch_size,
        lr=config.lr,
        warmup_ratio=0.05,
        weight_decay=0.01,
        packing=True,
        max_length=config.context,
        pad_id=tokenizer.pad_token_id,
        seed=config.seed,
        eval_every=eval_every,
        progress=progress,
        desc="train base",
    )
    model = accelerator.unwrap_model(model)
    val = result.final_val or token_metrics(model, val_ex, pad_id=tokenizer.pad_token_id)
    metrics = {
        "parameters": count_parameters(model),
        "vocab_size": len(tokenizer),
        "train_conversations": len(prepared.train),
        "val_conversations": len(prepared.val),
        "steps": result.steps,
        "seconds": round(result.seconds, 1),
        "tokens_per_s": round(result.tokens_per_s),
        "final_train_loss": result.losses[-1][1] if result.losses else None,
        "val_loss": val["loss"],
        "val_perplexity": val["perplexity"],
        "val_token_accuracy": val["token_accuracy"],
        "pii_redacted": dict(prepared.pii),
        "newest_left_to_fine_tune": held_back,
        "data": dict(prepared.stats),
        "tickets_in_prompt": config.tickets if grounding is not None else 0,
        "ticket_budget": config.ticket_budget,
        "grounding": grounding.to_dict() if grounding is not None else None,
    }
    if accelerator.is_main_process:
        out_dir.mkdir(parents=True, exist_ok=True)
        model.to(torch.float32).save_pretrained(out_dir)
        tokenizer.save_pretrained(out_dir)
        (out_dir / "supportbot.json").write_text(
            json.dumps({"kind": "base", "config": asdict(config), "metrics": metrics}, indent=2)
        )
        plot_losses(result, out_dir / "loss.png", title="default model: training from scratch")
    return DefaultModelResult(out_dir, metrics)
