"""Loading the base model, its tokenizer and LoRA adapter folders; choosing device and dtype.

CUDA gets bfloat16 (float16 where bf16 is missing) and the model on the GPU; the CPU gets
float32. Everything else in the server runs the same code on both.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supportbot.core.errors import InvalidInput, ModelUnavailable

log = logging.getLogger(__name__)

# A tokenizer without a real limit reports a huge model_max_length.
_NO_LIMIT = 1_000_000


def choose_device(preference: str = "auto") -> str:
    import torch

    if preference == "cuda" and not torch.cuda.is_available():
        raise ModelUnavailable("--device cuda asked for, but no CUDA device is available")
    if preference == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return preference


def choose_dtype(preference: str, *, device: str) -> Any:
    import torch

    if preference == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[preference]


def base_id(name_or_path: str) -> str:
    """The id /v1/models shows for the base: a local folder's name, or the hub name as given."""
    path = Path(name_or_path)
    return path.resolve().name if path.exists() else name_or_path


def load_base(name_or_path: str, *, device: str = "cpu", dtype: Any = None) -> tuple[Any, Any]:
    """The causal LM (eval mode, on ``device``) and its tokenizer, or one clear error line."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(name_or_path)
    local = path.exists()
    if local and not (path / "config.json").exists():
        raise ModelUnavailable(f"{path} is not a model folder (no config.json)")
    if not local and (name_or_path.startswith((".", "/", "~")) or name_or_path.count("/") > 1):
        raise ModelUnavailable(f"no model at {name_or_path}")
    try:
        tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        model = AutoModelForCausalLM.from_pretrained(name_or_path, dtype=dtype)
    except OSError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelUnavailable(f"cannot load the model {name_or_path}: {reason}") from None
    model.to(device)  # type: ignore[arg-type]  # transformers' wrapper of `to` hides `self` from mypy
    model.eval()
    if tokenizer.pad_token_id is None:
        # Padding is always masked out; any real id will do.
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.convert_ids_to_tokens(0)
    return model, tokenizer


def context_window(model: Any, tokenizer: Any) -> int:
    """Tokens the model can attend to: the config's limit, or the tokenizer's when smaller."""
    candidates = []
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    for attr in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            candidates.append(value)
            break
    limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(limit, int) and 0 < limit < _NO_LIMIT:
        candidates.append(limit)
    return min(candidates) if candidates else 2048


def _ids(value: Any) -> set[int]:
    if value is None:
        return set()
    if isinstance(value, int):
        return {value}
    return {int(v) for v in value}


def eos_ids(model: Any, tokenizer: Any) -> frozenset[int]:
    """Where generation ends: the generation config's EOS (often a list) and the tokenizer's."""
    ids = set()
    generation_config = getattr(model, "generation_config", None)
    if generation_config is not None:
        ids |= _ids(generation_config.eos_token_id)
    if not ids:
        ids |= _ids(getattr(model.config, "eos_token_id", None))
    ids |= _ids(tokenizer.eos_token_id)
    return frozenset(ids)


@dataclass
class AdapterFiles:
    """What an adapter folder brings besides its weights."""

    path: Path
    chat_template: str | None = None
    eos_ids: frozenset[int] = frozenset()
    notes: list[str] = field(default_factory=list)


def inspect_adapter(path: str | Path, *, vocab_size: int) -> AdapterFiles:
    """Check a LoRA adapter folder before loading it (one clear line when it cannot be used)."""
    folder = Path(path).expanduser()
    config_file = folder / "adapter_config.json"
    if not folder.is_dir():
        raise InvalidInput(f"adapter folder {folder} does not exist")
    if not config_file.exists():
        raise InvalidInput(f"{folder} is not a peft adapter folder (no adapter_config.json)")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{config_file}: unreadable ({exc})") from None
    if not isinstance(config, dict) or config.get("peft_type") != "LORA":
        raise InvalidInput(
            f"{folder}: only LoRA adapters can be served (peft_type {config.get('peft_type')!r})"
        )
    files = AdapterFiles(path=folder.resolve())
    if config.get("modules_to_save"):
        files.notes.append("has modules_to_save: this server loads it, vLLM will not")
    if (folder / "tokenizer_config.json").exists() or (folder / "tokenizer.json").exists():
        from transformers import AutoTokenizer

        own = AutoTokenizer.from_pretrained(folder)
        if len(own) != vocab_size:
            raise InvalidInput(
                f"{folder}: its tokenizer has {len(own)} tokens, the base has {vocab_size} "
                "(adapters must not add tokens)"
            )
        files.chat_template = own.chat_template if isinstance(own.chat_template, str) else None
    if (folder / "generation_config.json").exists():
        try:
            generation = json.loads((folder / "generation_config.json").read_text(encoding="utf-8"))
            files.eos_ids = frozenset(_ids(generation.get("eos_token_id")))
        except (OSError, ValueError, TypeError):
            files.notes.append("generation_config.json unreadable; the base's end tokens apply")
    return files


def check_fits(model: Any, folder: Path) -> None:
    """The adapter's LoRA matrices must fit this base model's layers (checked before loading:
    a failed load half-way would leave the model in a mixed state)."""
    weights_file = folder / "adapter_model.safetensors"
    if weights_file.exists():
        from safetensors import safe_open

        with safe_open(str(weights_file), framework="pt") as f:
            shapes = {key: tuple(f.get_slice(key).get_shape()) for key in f.keys()}  # noqa: SIM118
    elif (folder / "adapter_model.bin").exists():
        import torch

        state = torch.load(folder / "adapter_model.bin", map_location="cpu", weights_only=True)
        shapes = {key: tuple(t.shape) for key, t in state.items()}
    else:
        raise InvalidInput(f"{folder}: no adapter weights (adapter_model.safetensors)")
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    for key, shape in shapes.items():
        for part, dim in ((".lora_A.", 1), (".lora_B.", 0)):
            if part not in key or len(shape) != 2:
                continue
            module_path = key.split(part)[0].removeprefix("base_model.model.")
            try:
                module = base.get_submodule(module_path)
            except AttributeError:
                raise InvalidInput(
                    f"{folder} does not fit this base model (it has no layer {module_path})"
                ) from None
            expected = getattr(module, "in_features" if dim == 1 else "out_features", None)
            if expected is not None and expected != shape[dim]:
                raise InvalidInput(
                    f"{folder} does not fit this base model ({module_path}: {shape[dim]} features, the base has {expected})"
                )
