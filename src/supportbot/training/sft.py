"""Supervised examples: token ids with labels on the assistant's tokens only, packed or padded.

Works for any fast tokenizer with a chat template: the rendered conversation is tokenized once
with character offsets, and a token is learned from only when it lies inside an assistant turn
(its text and its end-of-turn marker, so the model learns to stop).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

IGNORE = -100


@dataclass
class Example:
    input_ids: list[int]
    labels: list[int]
    # Position ids of a packed row (restarting at 0 for each example in it); None when unpacked.
    positions: list[int] | None = None

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def trained_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE)


def render(
    tokenizer: PreTrainedTokenizerBase, messages: Sequence[dict[str, str]], *, generation: bool
) -> str:
    # With tokenize=False the template's rendering is a string (the stubs allow token ids too).
    return cast(
        str, tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=generation)
    )


def assistant_spans(
    tokenizer: PreTrainedTokenizerBase, messages: Sequence[dict[str, str]]
) -> list[tuple[int, int]]:
    """Character spans of each assistant turn in the rendered conversation (end marker included)."""
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        start = len(render(tokenizer, messages[:i], generation=True))
        end = len(render(tokenizer, messages[: i + 1], generation=False))
        spans.append((start, end))
    return spans


def encode(
    tokenizer: PreTrainedTokenizerBase,
    messages: Sequence[dict[str, str]],
    *,
    max_length: int,
    assistant_only: bool = True,
) -> Example | None:
    """One conversation as an example; None when nothing in it would be learned from."""
    text = render(tokenizer, messages, generation=False)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = enc["input_ids"]
    offsets: list[tuple[int, int]] = enc["offset_mapping"]
    if assistant_only:
        spans = assistant_spans(tokenizer, messages)
        labels = [
            tok if any(s <= a and b <= e and b > a for s, e in spans) else IGNORE
            for tok, (a, b) in zip(ids, offsets, strict=True)
        ]
    else:
        # Everything but the system turn (the same for every example; nothing to learn there).
        system_end = (
            len(render(tokenizer, messages[:1], generation=False)) if messages[0]["role"] == "system" else 0
        )
        labels = [tok if a >= system_end else IGNORE for tok, (a, _b) in zip(ids, offsets, strict=True)]
    ids, labels = ids[:max_length], labels[:max_length]
    example = Example(ids, labels)
    return example if example.trained_tokens else None


@dataclass
class Batch:
    input_ids: torch.Tensor
    labels: torch.Tensor
    attention_mask: torch.Tensor | None
    position_ids: torch.Tensor | None

    def model_inputs(self) -> dict[str, Any]:
        inputs: dict[str, Any] = {"input_ids": self.input_ids, "labels": self.labels, "use_cache": False}
        if self.attention_mask is not None:
            inputs["attention_mask"] = self.attention_mask
        if self.position_ids is not None:
            inputs["position_ids"] = self.position_ids
        return inputs

    @property
    def tokens(self) -> int:
        """Real (non-padding) tokens in the batch."""
        if self.attention_mask is not None:
            return int(self.attention_mask.sum())
        return int(self.input_ids.numel())


def pack(examples: Sequence[Example], *, max_length: int, pad_id: int) -> list[Example]:
    """First-fit-decreasing packing of short support turns into rows of ``max_length``.

    Each row remembers where its examples start (through position ids that restart at 0), and
    transformers' attention keeps examples in one row from seeing each other.
    """
    rows: list[list[Example]] = []
    room: list[int] = []
    for ex in sorted(examples, key=len, reverse=True):
        for i, free in enumerate(room):
            if len(ex) <= free:
                rows[i].append(ex)
                room[i] -= len(ex)
                break
        else:
            rows.append([ex])
            room.append(max_length - len(ex))
    packed = []
    for row in rows:
        ids: list[int] = []
        labels: list[int] = []
        for ex in row:
            ids += ex.input_ids
            # The first token of an example is never predicted from the previous example.
            labels += [IGNORE, *ex.labels[1:]]
        packed.append(Example(ids, labels, [p for ex in row for p in range(len(ex))]))
    return packed


def collate_packed(rows: Sequence[Example], *, pad_id: int) -> Batch:
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    positions = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        n = len(r)
        ids[i, :n] = torch.tensor(r.input_ids)
        labels[i, :n] = torch.tensor(r.labels)
        pos = r.positions or list(range(n))
        positions[i, :n] = torch.tensor(pos)
        # Trailing padding continues the last example's positions: it must not look like a new
        # example start, and its labels are ignored anyway.
        if n < width:
            positions[i, n:] = torch.arange(pos[-1] + 1, pos[-1] + 1 + width - n)
    # No attention mask: the position ids tell transformers where packed examples begin.
    return Batch(ids, labels, None, positions)


def collate_padded(examples: Sequence[Example], *, pad_id: int) -> Batch:
    """The classic alternative: one example per row, padded to the longest in the batch."""
    import torch

    width = max(len(e) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for i, e in enumerate(examples):
        n = len(e)
        ids[i, :n] = torch.tensor(e.input_ids)
        labels[i, :n] = torch.tensor(e.labels)
        mask[i, :n] = 1
    return Batch(ids, labels, mask, None)


def batches(
    examples: Sequence[Example],
    *,
    batch_size: int,
    pad_id: int,
    max_length: int,
    packing: bool,
    seed: int,
) -> Iterator[Batch]:
    """Endless shuffled batches (one epoch after another), packed or padded."""
    units: list[Example] = pack(examples, max_length=max_length, pad_id=pad_id) if packing else list(examples)
    collate = collate_packed if packing else collate_padded
    rng = random.Random(seed)
    while True:
        order = list(range(len(units)))
        rng.shuffle(order)
        for start in range(0, len(order) - batch_size + 1 if len(order) >= batch_size else 1, batch_size):
            chunk = [units[i] for i in order[start : start + batch_size]]
            yield collate(chunk, pad_id=pad_id)
