"""One sequence in the generation loop: one choice of one prompt of a request.

A request with p prompts and ``n`` choices becomes p x n sequences, each with its own budget of
new tokens, end-of-turn tokens, incremental text (with its stop strings) and random generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from supportbot.serving.detokenize import IncrementalText
from supportbot.serving.job import FinishReason, GeneratedToken, Job
from supportbot.serving.sampling import SamplingParams, make_generator

if TYPE_CHECKING:
    import torch


@dataclass(eq=False)
class Seq:
    job: Job
    index: int  # the choice's index in the response
    prompt_index: int
    prompt: list[int]
    max_new: int
    eos: frozenset[int]
    text: IncrementalText
    generator: torch.Generator | None = None
    generated: int = 0
    tokens: list[GeneratedToken] = field(default_factory=list)
    pending: int | None = None  # sampled, not yet fed to the model
    finish: FinishReason | None = None
    sent_text: int = 0
    sent_tokens: int = 0

    @property
    def params(self) -> SamplingParams:
        return self.job.params

    @property
    def key(self) -> str | None:
        """The adapter inside the model that runs this sequence; None for the base."""
        return self.job.target.key


def sequences_of(job: Job, *, context_window: int, tokenizer: Any, device: torch.device) -> list[Seq]:
    """The job's sequences; ``tokenizer`` is the generation loop's own (it decodes their text)."""
    params, target = job.params, job.target
    seqs = []
    for p_index, prompt in enumerate(job.prompts):
        room = max(0, context_window - len(prompt))
        for i in range(job.n):
            index = p_index * job.n + i
            seed = None if params.seed is None else params.seed + index
            seqs.append(
                Seq(
                    job=job,
                    index=index,
                    prompt_index=p_index,
                    prompt=prompt,
                    max_new=min(params.max_tokens, room),
                    eos=(frozenset() if params.ignore_eos else target.eos_ids) | params.stop_token_ids,
                    text=IncrementalText(
                        tokenizer,
                        prompt_ids=prompt,
                        stop=params.stop,
                        lazy=not job.stream and params.logprobs is None,
                    ),
                    generator=None if params.greedy else make_generator(seed, device=device),
                )
            )
    return seqs
