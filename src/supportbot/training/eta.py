"""How long a training command will take, said before it starts: measured, not guessed.

The cost of one optimizer step is measured on this machine with the run's own model and data
(three forward and backward passes on a real batch with the training loop's attention, the
gradients thrown away, the fastest kept), the cost of answering on a batch of real prompts; the
plan's steps and answers multiply them.
The progress bars then show the remaining time as it goes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Estimate:
    train_s: float
    answer_s: float  # generating the evaluation's answers (0: none)
    step_s: float
    steps: int
    spent_s: float = 0.0  # already spent before the estimate could be measured (data, tokenizer)
    answering: str = "the evaluation's questions"
    validation_s: float = 0.0  # the loss on the validation examples, measured along the way
    validations: int = 0

    @property
    def total_s(self) -> float:
        return self.spent_s + self.train_s + self.validation_s + self.answer_s

    def describe(self, what: str) -> str:
        parts = f"{self.steps} steps at {self.step_s:.2f} s each"
        if self.validations:
            parts += f" + {self.validations} validation passes, {self.validation_s / 60:.1f} min"
        if self.spent_s >= 1:
            parts = f"{self.spent_s / 60:.1f} min spent preparing + {parts}"
        if self.answer_s:
            parts += f" + about {self.answer_s / 60:.1f} min answering {self.answering}"
        return f"{what}: expect about {self.total_s / 60:.1f} min ({parts}; measured on this machine)"


def measure(
    model: Any, tokenizer: Any, examples: Sequence[Any], val_examples: Sequence[Any], *, steps: int,
    eval_every: int, batch_size: int, max_length: int, packing: bool, answers: int, max_new_tokens: int,
    prompts: Sequence[Sequence[int]], questions: Sequence[str] = (), spent_s: float = 0.0,
    answering: str = "the evaluation's questions",
) -> Estimate:  # fmt: skip
    """A run's estimate, measured: its ``steps`` (and the training loop's validation passes every
    ``eval_every`` of them, training.loop.validation_passes) on these examples, then ``answers``
    answers of up to ``max_new_tokens`` from ``prompts``; ``spent_s`` already spent."""
    from supportbot.training.loop import validation_passes

    pad_id = tokenizer.pad_token_id
    step_s = step_seconds(
        model, examples, batch_size=batch_size, max_length=max_length, pad_id=pad_id, packing=packing
    )
    answer_s = answer_seconds(
        model, tokenizer, questions, answers=answers, max_new_tokens=max_new_tokens, prompts=prompts
    )
    passes = validation_passes(steps, eval_every) if val_examples else 0
    return Estimate(
        steps * step_s, answer_s, step_s, steps, spent_s=spent_s, answering=answering, validations=passes,
        validation_s=passes * validation_seconds(model, val_examples, pad_id=pad_id),
    )  # fmt: skip


def step_seconds(
    model: Any, examples: Sequence[Any], *, batch_size: int, max_length: int, pad_id: int, packing: bool
) -> float:
    """Seconds of one optimizer step's forward and backward pass on a batch of these examples."""
    from supportbot.training.loop import LabelledHead
    from supportbot.training.packed_attention import AttentionSwitch
    from supportbot.training.sft import batches

    stream = batches(
        examples, batch_size=batch_size, pad_id=pad_id, max_length=max_length, packing=packing, seed=0
    )
    batch = next(stream)
    device = next(model.parameters()).device
    inputs = {k: v.to(device) if hasattr(v, "to") else v for k, v in batch.model_inputs().items()}
    head = LabelledHead()
    # The attention the training loop uses on packed rows (training.packed_attention): measured
    # with the masked kind instead, the estimate was three times the time taken.
    attention = AttentionSwitch(model)
    was_training = model.training
    model.train()
    best = float("inf")
    for _ in range(3):  # the first pass pays for one-time set-up: the faster of the others counts
        started = time.perf_counter()
        with attention.packed(enabled=packing and "attention_mask" not in inputs):
            loss = head.loss(model, inputs)
        loss.backward()
        best = min(best, time.perf_counter() - started)
    model.zero_grad(set_to_none=True)
    model.train(was_training)
    return best * 1.1  # the optimizer step and the data on top of the passes


def validation_seconds(model: Any, examples: Sequence[Any], *, pad_id: int, batch_size: int = 16) -> float:
    """Seconds of one pass of ``training.loop.token_metrics`` over ``examples``, from its first
    batch timed."""
    from supportbot.training.loop import token_metrics

    if not examples:
        return 0.0
    started = time.perf_counter()
    token_metrics(model, examples[:batch_size], pad_id=pad_id, batch_size=batch_size)
    return (time.perf_counter() - started) * -(-len(examples) // batch_size)


def answer_seconds(
    model: Any,
    tokenizer: Any,
    questions: Sequence[str],
    *,
    answers: int,
    max_new_tokens: int,
    prompts: Sequence[Sequence[int]] = (),
) -> float:
    """Seconds to generate ``answers`` answers of up to ``max_new_tokens`` in batches of 32, from
    one timed batch with a short answer: of ``prompts`` (token ids of prompts as the evaluation
    writes them, tickets and all) where given, else of these bare questions. A bare question (63
    tokens, the system prompt included, on a broadband provider's tickets) is a fraction of a
    prompt with two tickets of up to 180 tokens each: timed on questions alone, that run was
    told 1.8 minutes of answering and spent 5.2 outside its 4.3 minutes of training steps."""
    if not answers or not (questions or prompts):
        return 0.0
    new = min(24, max_new_tokens)
    if prompts:
        probe: Sequence[Any] = [list(p) for p in prompts[:32]]
        started = time.perf_counter()
        _generate_ids(model, tokenizer, probe, max_new_tokens=new)
    else:
        from supportbot.training.generation import generate_answers

        probe = list(questions[:32])
        started = time.perf_counter()
        generate_answers(model, tokenizer, probe, max_new_tokens=new)
    per_token_batch = (time.perf_counter() - started) / new
    # Answers mostly end before the cap; half of it is the estimate's assumption.
    return per_token_batch * (max_new_tokens / 2) * -(-answers // len(probe))


def _generate_ids(model: Any, tokenizer: Any, prompts: Sequence[list[int]], *, max_new_tokens: int) -> None:
    """``model.generate`` on these prompts, left-padded into one batch, exactly ``max_new_tokens``."""
    import torch

    width = max(len(p) for p in prompts)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        model.generate(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            max_new_tokens=max_new_tokens,
            min_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=pad,
        )


def prompt_ids(examples: Sequence[Any], n: int = 32) -> list[list[int]]:
    """The prompts of up to ``n`` supervised examples (``training.sft.Example``): their tokens
    before the first one the model learns to write."""
    from supportbot.training.sft import IGNORE

    out = []
    for example in examples[:n]:
        first = next((i for i, label in enumerate(example.labels) if label != IGNORE), 0)
        if first:
            out.append(list(example.input_ids[:first]))
    return out


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
