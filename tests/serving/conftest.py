"""The test run's tiny model (``tiny_base``), two LoRA adapters on it, one shared running server,
and a reference: the same weights loaded separately and run with plain ``model.generate``.

The tests compare the server with the reference, never with strings picked by hand: the tiny
model says whatever a few seconds of training taught it, and that may change with its training."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ADMIN_TOKEN = "admin-secret"


def build_adapter(
    base: Path, out: Path, *, seed: int, targets: tuple[str, ...] = ("q_proj", "v_proj")
) -> None:
    """A LoRA adapter with random (non-zero) weights, so it really changes the outputs."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base)
    torch.manual_seed(seed)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=list(targets), init_lora_weights=False)
    peft_model = get_peft_model(model, config)
    peft_model.save_pretrained(str(out))


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """A model this small gains nothing from two threads, and on a busy machine OpenMP threads
    waiting for each other make it many times slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    with one_torch_thread():
        yield


@pytest.fixture(scope="session")
def model_dir(tiny_base: str) -> Path:
    """The served model: the test run's one tiny model (tests/conftest.py), not one of our own."""
    return Path(tiny_base)


@pytest.fixture(scope="session")
def adapter_dirs(model_dir: Path, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("adapters")
    dirs = {"alpha": root / "alpha", "beta": root / "beta", "gamma": root / "gamma"}
    with one_torch_thread():
        build_adapter(model_dir, dirs["alpha"], seed=1)
        build_adapter(model_dir, dirs["beta"], seed=2, targets=("q_proj", "v_proj", "o_proj"))
        build_adapter(model_dir, dirs["gamma"], seed=3)
    return dirs


@pytest.fixture(scope="session")
def no_template_dir(model_dir: Path, tmp_path_factory) -> Path:
    """The same model, saved with its chat template removed."""
    from transformers import AutoTokenizer

    out = tmp_path_factory.mktemp("no-template")
    for f in model_dir.iterdir():
        if f.name not in {"chat_template.jinja", "tokenizer_config.json", "tokenizer.json"}:
            shutil.copy(f, out / f.name)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.chat_template = None
    tokenizer.save_pretrained(out)
    return out


@dataclass
class Reference:
    """Plain transformers on separately loaded weights: what the server must reproduce."""

    tokenizer: Any
    models: dict[str | None, Any]
    eos: set[int]

    def chat_ids(self, messages: list[dict[str, str]]) -> list[int]:
        text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return self.tokenizer.encode(text, add_special_tokens=False)

    def generate(
        self, prompt_ids: list[int], *, adapter: str | None = None, max_new_tokens: int = 40
    ) -> list[int]:
        import torch

        model = self.models[adapter]
        ids = torch.tensor([prompt_ids])
        with torch.no_grad():
            out = model.generate(
                ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens, do_sample=False
            )
        return out[0, len(prompt_ids) :].tolist()

    def expected(
        self, prompt_ids: list[int], *, adapter: str | None = None, max_new_tokens: int = 40
    ) -> dict:
        """Text, completion tokens and finish reason an OpenAI-style server must report."""
        generated = self.generate(prompt_ids, adapter=adapter, max_new_tokens=max_new_tokens)
        ended = bool(generated) and generated[-1] in self.eos
        text_ids = generated[:-1] if ended else generated
        return {
            "ids": text_ids,
            "text": self.tokenizer.decode(text_ids, skip_special_tokens=True),
            "completion_tokens": len(generated),
            "finish_reason": "stop" if ended else "length",
        }

    def first_that_ends(self, prompts: list[list[int]], *, max_new_tokens: int) -> tuple[int, dict]:
        """The first prompt whose greedy answer ends its turn within ``max_new_tokens``, and that
        answer. A model this small ends some turns and rambles on in others; which ones depends
        on its training, so a test of ending looks for a turn it does end rather than naming one."""
        for index, ids in enumerate(prompts):
            want = self.expected(ids, max_new_tokens=max_new_tokens)
            if want["finish_reason"] == "stop":
                return index, want
        pytest.fail(f"the tiny model ends none of these {len(prompts)} turns in {max_new_tokens} tokens")


@pytest.fixture(scope="session")
def reference(model_dir: Path, adapter_dirs: dict[str, Path]) -> Reference:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    models: dict[str | None, Any] = {None: AutoModelForCausalLM.from_pretrained(model_dir).eval()}
    for name in ("alpha", "beta"):
        base = AutoModelForCausalLM.from_pretrained(model_dir).eval()
        models[name] = PeftModel.from_pretrained(base, adapter_dirs[name]).eval()
    eos = set(models[None].generation_config.eos_token_id)
    return Reference(tokenizer, models, eos)


@pytest.fixture(scope="session")
def engine(model_dir: Path, adapter_dirs: dict[str, Path]) -> Iterator[Any]:
    from supportbot.serving.engine import load_engine

    engine = load_engine(
        str(model_dir),
        adapters={"alpha": str(adapter_dirs["alpha"]), "beta": str(adapter_dirs["beta"])},
        device="cpu",
    )
    engine.start()
    yield engine
    engine.stop()


@pytest.fixture(scope="session")
def server(engine: Any) -> Iterator[Any]:
    from supportbot.serving.embedded import EmbeddedServer

    with EmbeddedServer(engine=engine, admin_token=ADMIN_TOKEN) as srv:
        yield srv


@pytest.fixture(scope="session")
def base_name(engine: Any) -> str:
    return engine.base_id


@pytest.fixture
def client(server: Any) -> Iterator[Any]:
    import openai

    with openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0, timeout=60) as c:
        yield c


@pytest.fixture
def http(server: Any) -> Iterator[Any]:
    import httpx

    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c
