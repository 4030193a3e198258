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

    @property
    def total_s(self) -> float:
        return self.train_s + self.answer_s

    def describe(self, what: str) -> str:
        parts = f"{self.steps} steps at {self.step_s:.2f} s each"
        if self.answer_s:
            parts += f" + about {self.answer_s / 60:.1f} min answering the evaluation's questions"
        return f"{what}: expect about {self.total_s / 60:.1f} min ({parts}; measured on this machine)"


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


def answer_seconds(
    model: Any, tokenizer: Any, questions: Sequence[str], *, answers: int, max_new_tokens: int
) -> float:
    """Seconds to generate ``answers`` answers of up to ``max_new_tokens`` in batches of 32, from
    one timed batch of these questions with a short answer."""
    if not answers or not questions:
        return 0.0
    from supportbot.training.generation import generate_answers

    probe = list(questions[:32])
    new = min(24, max_new_tokens)
    started = time.perf_counter()
    generate_answers(model, tokenizer, probe, max_new_tokens=new)
    per_token_batch = (time.perf_counter() - started) / new
    # Answers mostly end before the cap; half of it is the estimate's assumption.
    return per_token_batch * (max_new_tokens / 2) * -(-answers // len(probe))


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
