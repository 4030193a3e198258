"""The base model a fine-tune starts from (the model its LoRA adapter sits on): which one, and
loading it.

Not to be confused with the default model (training/default_model.py), which is one possible base
model: the small one trained here from scratch when no other is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from supportbot.core.errors import InvalidInput, ModelUnavailable
from supportbot.training.config import FinetuneConfig

if TYPE_CHECKING:
    from supportbot.core.db import Sessions
    from supportbot.core.settings import Settings


def resolve_base_model(config: FinetuneConfig, *, settings: Settings, sessions: Sessions | None) -> str:
    """The base model: the flag, the active version's base, the setting, or our own default.

    A packaged alias (``smollm2-135m``: training/pretrained.py) becomes its converted folder."""
    from supportbot.training.pretrained import resolve

    if config.base:
        return resolve(config.base, models_dir=settings.models_dir)
    if sessions is not None:
        from supportbot.core import store

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


def load_base_model(base_model: str, *, device: str = "auto") -> tuple[Any, Any]:
    """(model, tokenizer) of a base model folder or name, on the GPU in bf16 when there is one."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    use_cuda = torch.cuda.is_available() and device != "cpu"
    dtype = torch.bfloat16 if use_cuda and torch.cuda.is_bf16_supported() else torch.float32
    try:
        tokenizer = AutoTokenizer.from_pretrained(base_model)
        model: Any = AutoModelForCausalLM.from_pretrained(base_model, dtype=dtype)
    except OSError as exc:
        raise ModelUnavailable(f"cannot load base model {base_model!r}: {str(exc).splitlines()[0]}") from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token  # reuse, never add tokens (adapters stay vLLM-loadable)
    if not tokenizer.chat_template:
        raise InvalidInput(
            f"{base_model} has no chat template; fine-tuning needs one to format conversations"
        )
    if use_cuda:
        model = model.to("cuda")
    return model, tokenizer
