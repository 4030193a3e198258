"""The training loop shared by the default model (trained from scratch) and LoRA fine-tunes.

Plain PyTorch driven by accelerate: the same code runs on a CPU, on one GPU in bf16, and on
several GPUs under `accelerate launch` / torchrun (DDP), where each process takes its own
shard of every step's batches.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportbot.training.packed_attention import AttentionSwitch
from supportbot.training.sft import IGNORE, Example, batches, collate_padded

if TYPE_CHECKING:
    from accelerate import Accelerator


class Cancelled(Exception):
    """The run was asked to stop (a cancelled job)."""


@dataclass
class LoopResult:
    steps: int
    seconds: float
    tokens: int  # real tokens processed (padding excluded)
    trained_tokens: int  # tokens that carried loss
    losses: list[tuple[int, float]] = field(default_factory=list)
    val_losses: list[tuple[int, float]] = field(default_factory=list)
    final_val: dict[str, float] | None = None  # token_metrics after the last step, when measured

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


class LabelledHead:
    """The LM head and the loss on the labelled positions only.

    A causal LM projects every position onto the vocabulary and then ignores all but the labelled
    ones (the assistant's tokens: about half of a support conversation, none of the padding).
    transformers' ``logits_to_keep`` takes a boolean mask of the positions to project, and its
    loss takes the already shifted labels of exactly those positions: the same loss and gradients
    for less work, inside the model's own forward (so DDP and peft see an ordinary call).
    A model whose forward does not take the mask (older or custom code) is noticed on the first
    batch and trained the ordinary way.
    """

    def __init__(self) -> None:
        self.supported: bool | None = None

    def loss(self, model: Any, inputs: dict[str, Any]) -> Any:
        import torch

        if self.supported is False:
            return model(**inputs).loss
        labels = inputs["labels"]
        shifted = torch.nn.functional.pad(labels[:, 1:], (0, 1), value=IGNORE)
        keep = shifted != IGNORE
        kept = shifted[keep]
        masked = {k: v for k, v in inputs.items() if k != "labels"}
        masked.update(labels=kept, shift_labels=kept, logits_to_keep=keep)
        if self.supported:
            return model(**masked).loss
        try:  # the first batch finds out whether this model's forward takes the mask
            out = model(**masked)
            self.supported = out.logits.dim() == 2 and out.logits.shape[0] == kept.numel()
        except (TypeError, IndexError, ValueError, RuntimeError):
            self.supported = False
        return out.loss if self.supported else model(**inputs).loss


def make_accelerator(*, seed: int) -> Accelerator:
    import torch
    from accelerate import Accelerator
    from accelerate.utils import set_seed

    mixed = "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "no"
    accelerator = Accelerator(mixed_precision=mixed)
    set_seed(seed)
    return accelerator


def validation_passes(steps: int, eval_every: int) -> int:
    """How many times ``train`` measures the validation examples: every ``eval_every`` steps
    before the last, and once after it."""
    return (max(steps - 1, 0) // eval_every if eval_every else 0) + 1


def token_metrics(
    model: Any, examples: Sequence[Example], *, pad_id: int, batch_size: int = 16
) -> dict[str, float]:
    """Mean loss, perplexity and next-token accuracy over the labelled (assistant) tokens."""
    import torch

    if not examples:
        return {"loss": float("nan"), "perplexity": float("nan"), "token_accuracy": float("nan"), "tokens": 0}
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            batch = collate_padded(examples[start : start + batch_size], pad_id=pad_id)
            assert batch.attention_mask is not None  # a padded batch always has one
            logits = model(
                input_ids=batch.input_ids.to(device),
                attention_mask=batch.attention_mask.to(device),
                use_cache=False,
            ).logits.float()
            labels = batch.labels.to(device)[:, 1:]
            logits = logits[:, :-1]
            mask = labels != IGNORE
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=IGNORE, reduction="sum"
            )
            total_loss += float(loss)
            correct += int(((logits.argmax(-1) == labels) & mask).sum())
            count += int(mask.sum())
    model.train(was_training)
    mean = total_loss / max(count, 1)
    return {
        "loss": mean,
        "perplexity": math.exp(min(mean, 50.0)),
        "token_accuracy": correct / max(count, 1),
        "tokens": count,
    }


def train(
    model: Any,
    *,
    accelerator: Accelerator,
    examples: Sequence[Example],
    val_examples: Sequence[Example] = (),
    steps: int,
    batch_size: int,
    grad_accum: int = 1,
    lr: float,
    warmup_ratio: float = 0.05,
    weight_decay: float = 0.0,
    packing: bool = True,
    max_length: int,
    pad_id: int,
    seed: int = 0,
    eval_every: int = 0,
    checkpoint_every: int = 0,
    checkpoint: Callable[[Any, int], None] | None = None,
    on_step: Callable[[int, int, float], bool] | None = None,
    progress: bool = True,
    desc: str = "training",
) -> LoopResult:
    """Run ``steps`` optimizer steps; ``on_step(step, steps, loss)`` returning False cancels."""
    import torch
    from tqdm.auto import tqdm

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    warmup = max(1, int(steps * warmup_ratio))

    def schedule(step: int) -> float:  # linear warm-up, then cosine to 10%
        if step < warmup:
            return (step + 1) / warmup
        progress_ = (step - warmup) / max(1, steps - warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress_))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    model.train()
    attention = AttentionSwitch(model)
    head = LabelledHead()
    # Every process walks the same shuffled stream and takes every world_size-th batch.
    stream = batches(
        examples, batch_size=batch_size, pad_id=pad_id, max_length=max_length, packing=packing, seed=seed
    )
    rank, world = accelerator.process_index, accelerator.num_processes
    result = LoopResult(steps=0, seconds=0.0, tokens=0, trained_tokens=0)
    bar = tqdm(total=steps, desc=desc, disable=not (progress and accelerator.is_main_process), unit="step")
    started = time.perf_counter()
    for step in range(steps):
        step_loss = 0.0
        for _ in range(grad_accum):
            for _ in range(rank):
                next(stream)
            batch = next(stream)
            for _ in range(world - rank - 1):
                next(stream)
            inputs = {
                k: v.to(accelerator.device) if hasattr(v, "to") else v
                for k, v in batch.model_inputs().items()
            }
            with (
                accelerator.accumulate(model),
                accelerator.autocast(),
                attention.packed(enabled=packing and "attention_mask" not in inputs),
            ):
                loss = head.loss(model, inputs) / grad_accum
            accelerator.backward(loss)
            step_loss += float(loss.detach())
            result.tokens += batch.tokens
            result.trained_tokens += int((batch.labels != IGNORE).sum())
        accelerator.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        result.steps = step + 1
        result.losses.append((step + 1, step_loss))
        bar.update(1)
        bar.set_postfix(loss=f"{step_loss:.3f}")
        if eval_every and val_examples and (step + 1) % eval_every == 0 and step + 1 < steps:
            val = token_metrics(accelerator.unwrap_model(model), list(val_examples), pad_id=pad_id)
            result.val_losses.append((step + 1, val["loss"]))
        if (
            checkpoint
            and checkpoint_every
            and (step + 1) % checkpoint_every == 0
            and accelerator.is_main_process
        ):
            checkpoint(accelerator.unwrap_model(model), step + 1)
        if on_step is not None and not on_step(step + 1, steps, step_loss):
            bar.close()
            raise Cancelled(f"stopped at step {step + 1} of {steps}")
    bar.close()
    result.seconds = time.perf_counter() - started
    if val_examples:
        result.final_val = token_metrics(accelerator.unwrap_model(model), list(val_examples), pad_id=pad_id)
        result.val_losses.append((steps, result.final_val["loss"]))
    accelerator.wait_for_everyone()
    return result


def plot_losses(result: LoopResult, path: Path, *, title: str) -> Path:
    """The loss curve (training and validation) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    if result.losses:
        xs, ys = zip(*result.losses, strict=True)
        ax.plot(xs, ys, label="training loss", linewidth=1, alpha=0.8)
    if result.val_losses:
        xs, ys = zip(*result.val_losses, strict=True)
        ax.plot(xs, ys, "o-", label="validation loss", linewidth=2)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (assistant tokens)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
