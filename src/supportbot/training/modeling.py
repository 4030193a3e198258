"""The default model: a small Llama-style causal LM built here, since no hub can be reached."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


@dataclass(frozen=True)
class ModelSize:
    hidden: int
    layers: int
    heads: int
    intermediate: int


SIZES = {
    # For tests: trains in seconds, still a real transformer.
    "tiny": ModelSize(hidden=64, layers=2, heads=4, intermediate=176),
    # The default: a few minutes on 2 CPU cores, good enough for in-domain procedures. Narrow and
    # shallow on purpose: on a CPU budget more optimizer steps beat more width (measured: the same
    # minutes on 256x4 never learned which procedure answers which question; 192x3 did).
    "small": ModelSize(hidden=192, layers=3, heads=4, intermediate=512),
    # For a machine with a GPU and more patience.
    "medium": ModelSize(hidden=512, layers=8, heads=8, intermediate=1376),
}


def build_model(
    tokenizer: PreTrainedTokenizerBase, *, size: str = "small", context: int = 512, seed: int = 0
) -> PreTrainedModel:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    dims = SIZES[size]
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=dims.hidden,
        intermediate_size=dims.intermediate,
        num_hidden_layers=dims.layers,
        num_attention_heads=dims.heads,
        num_key_value_heads=dims.heads,
        max_position_embeddings=context,
        rms_norm_eps=1e-5,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config = generation_config(tokenizer)
    return model


def generation_config(tokenizer: PreTrainedTokenizerBase, **overrides: Any):
    """Greedy, stopping at the end of the assistant's turn (never running on into a new turn)."""
    from transformers import GenerationConfig

    user_id = tokenizer.convert_tokens_to_ids("<|user|>")
    eos = [tokenizer.eos_token_id] + ([user_id] if isinstance(user_id, int) and user_id >= 0 else [])
    values: dict[str, Any] = {
        "do_sample": False,
        "max_new_tokens": 160,
        "eos_token_id": eos,
        "pad_token_id": tokenizer.pad_token_id,
    }
    return GenerationConfig(**{**values, **overrides})


def count_parameters(model: Any, *, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
