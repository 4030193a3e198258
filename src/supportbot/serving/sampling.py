"""Choosing the next token for every row of a batch, each row with its own parameters.

Greedy rows take the argmax together; sampled rows apply temperature and nucleus (top-p) and
draw with their own ``torch.Generator``, so a seeded request gives the same text whatever else
shares its batch. Log-probabilities come from the log-softmax of the raw logits (before
temperature), as the OpenAI API reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class SamplingParams:
    max_tokens: int
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    stop_token_ids: frozenset[int] = frozenset()
    ignore_eos: bool = False
    logprobs: int | None = None  # None: none; k >= 0: the chosen token's and the top k

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0


@dataclass
class RowChoice:
    token: int
    logprob: float | None = None
    top: list[tuple[int, float]] | None = None


def make_generator(seed: int | None, *, device: Any) -> torch.Generator:
    import torch

    generator = torch.Generator(device=device)
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed % (2**63))
    return generator


def _nucleus(probs: torch.Tensor, top_p: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The smallest set of tokens whose probability reaches ``top_p`` (never empty)."""
    import torch

    sorted_probs, order = torch.sort(probs, descending=True)
    cumulative = torch.cumsum(sorted_probs, dim=-1)
    outside = (cumulative - sorted_probs) > top_p
    outside[0] = False
    sorted_probs = sorted_probs.masked_fill(outside, 0.0)
    return sorted_probs, order


def choose(
    logits: torch.Tensor,
    params: Sequence[SamplingParams],
    generators: Sequence[torch.Generator | None],
) -> list[RowChoice]:
    """One next token per row of ``logits`` (rows x vocab), with log-probs where asked."""
    import torch

    logits = logits.float()
    tokens = logits.argmax(dim=-1)
    sampled = [i for i, p in enumerate(params) if not p.greedy]
    for i in sampled:
        p = params[i]
        probs = torch.softmax(logits[i] / p.temperature, dim=-1)
        if p.top_p < 1.0:
            kept, order = _nucleus(probs, p.top_p)
            pick = torch.multinomial(kept, 1, generator=generators[i])
            tokens[i] = order[pick[0]]
        else:
            tokens[i] = torch.multinomial(probs, 1, generator=generators[i])[0]

    wanted = [i for i, p in enumerate(params) if p.logprobs is not None]
    token_list = tokens.tolist()
    choices = [RowChoice(token=t) for t in token_list]
    if wanted:
        rows = torch.tensor(wanted, device=logits.device)
        logprobs = torch.log_softmax(logits.index_select(0, rows), dim=-1)
        chosen = logprobs.gather(1, tokens.index_select(0, rows).unsqueeze(1)).squeeze(1).tolist()
        k = max(params[i].logprobs or 0 for i in wanted)
        top_values: list[list[float]] = [[] for _ in wanted]
        top_ids: list[list[int]] = [[] for _ in wanted]
        if k > 0:
            values, ids = torch.topk(logprobs, k=min(k, logprobs.shape[-1]), dim=-1)
            top_values, top_ids = values.tolist(), ids.tolist()
        for j, i in enumerate(wanted):
            n = params[i].logprobs or 0
            choices[i].logprob = chosen[j]
            choices[i].top = list(zip(top_ids[j][:n], top_values[j][:n], strict=True))
    return choices
