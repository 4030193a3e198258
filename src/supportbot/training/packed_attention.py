"""Attention for packed rows that costs what the examples cost, not what the row costs.

A packed row holds several conversations one after another, each with position ids restarting at
0. transformers keeps them apart by building a block-diagonal 4D mask for the whole row, and then
SDPA attends over the full row (O(row²)) through its masked, slower kernel. Here every example is
attended on its own with SDPA's causal kernel and no mask (O(Σ example²)): the same result, the
same gradients, less work, so packing pays off on CPUs as well as on GPUs.

Used only for training forwards on packed batches (no attention mask, position ids given); any
other call falls back to transformers' own SDPA path unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

NAME = "supportbot_packed_sdpa"
_registered = False


def _segments(position_ids: Any) -> list[list[tuple[int, int]]]:
    """Per row, the (start, end) of each example: a new one begins wherever the position is 0."""
    import torch

    rows = []
    width = position_ids.shape[-1]
    starts_mask = position_ids == 0
    for row in starts_mask:
        starts = torch.nonzero(row).flatten().tolist()
        if not starts or starts[0] != 0:
            starts = [0, *starts]
        rows.append(list(zip(starts, [*starts[1:], width], strict=True)))
    return rows


def packed_sdpa_forward(
    module: Any,
    query: Any,
    key: Any,
    value: Any,
    attention_mask: Any,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[Any, None]:
    import torch
    from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward

    position_ids = kwargs.get("position_ids")
    q_len = query.shape[2]
    if attention_mask is not None or position_ids is None or key.shape[2] != q_len or q_len < 2:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    groups = getattr(module, "num_key_value_groups", 1)
    if groups > 1:
        key, value = repeat_kv(key, groups), repeat_kv(value, groups)
    if position_ids.shape[0] != query.shape[0]:
        position_ids = position_ids.expand(query.shape[0], -1)
    sdpa = torch.nn.functional.scaled_dot_product_attention
    rows = []
    for b, spans in enumerate(_segments(position_ids)):
        if len(spans) == 1:
            rows.append(sdpa(query[b : b + 1], key[b : b + 1], value[b : b + 1], dropout_p=dropout,
                             scale=scaling, is_causal=True))  # fmt: skip
            continue
        parts = [
            sdpa(query[b : b + 1, :, s:e], key[b : b + 1, :, s:e], value[b : b + 1, :, s:e],
                 dropout_p=dropout, scale=scaling, is_causal=True)
            for s, e in spans
        ]  # fmt: skip
        rows.append(torch.cat(parts, dim=2))
    out = torch.cat(rows, dim=0)  # (batch, heads, length, head_dim)
    return out.transpose(1, 2).contiguous(), None


def register() -> str:
    """Make the implementation known to transformers (once); returns its name."""
    global _registered
    if not _registered:
        from transformers import AttentionInterface

        AttentionInterface.register(NAME, packed_sdpa_forward)
        _registered = True
    return NAME


def _configs(model: Any) -> list[Any]:
    seen, out = set(), []
    for module in model.modules():
        config = getattr(module, "config", None)
        if config is not None and hasattr(config, "_attn_implementation") and id(config) not in seen:
            seen.add(id(config))
            out.append(config)
    return out


class AttentionSwitch:
    """Switches one model's SDPA attention to the packed kind and back; the model's configs are
    looked up once, not on every training step."""

    def __init__(self, model: Any) -> None:
        configs = _configs(model)
        # Only models whose attention runs through transformers' SDPA path (the CPU default, and
        # the usual GPU one) are switched; eager, flash-attention and others are left as they are
        # (flash attention handles packed rows by itself).
        self.supported = bool(configs) and all(c._attn_implementation == "sdpa" for c in configs)
        self._configs = configs if self.supported else []

    @contextmanager
    def packed(self, *, enabled: bool = True) -> Iterator[None]:
        """Within the block, SDPA attention treats packed rows example by example."""
        if not (enabled and self._configs):
            yield
            return
        name = register()
        # Set the private field directly: the public setter re-validates the whole model each time.
        previous = [c._attn_implementation_internal for c in self._configs]
        try:
            for c in self._configs:
                c._attn_implementation_internal = name
            yield
        finally:
            for c, p in zip(self._configs, previous, strict=True):
                c._attn_implementation_internal = p


@contextmanager
def packed_attention(model: Any, *, enabled: bool = True) -> Iterator[None]:
    """Within the block, the model's SDPA attention treats packed rows example by example."""
    with AttentionSwitch(model).packed(enabled=enabled):
        yield
