"""A tiny real model (trained here in seconds), two LoRA adapters, one shared running server,
and a reference: the same weights loaded separately and run with plain ``model.generate``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CONTEXT = 256
ADMIN_TOKEN = "admin-secret"

PAIRS = [
    (
        "How do I reset my password?",
        "Open Settings, choose Security and click Reset password. We email you a link.",
    ),
    (
        "My order has not arrived yet.",
        "Sorry for the wait. Check the tracking link in your confirmation email.",
    ),
    ("Can I get a refund?", "Yes, within 30 days: open Orders, pick the order and choose Request refund."),
    ("How do I change my shipping address?", "Go to Account, then Addresses, and edit the default address."),
    (
        "The app crashes when I log in.",
        "Please update the app and clear its cache. If it still crashes, reinstall it.",
    ),
    (
        "How do I cancel my subscription?",
        "Open Billing, choose your plan and click Cancel. You keep access until the end.",
    ),
    ("Where is my invoice?", "Invoices are under Billing, then History. You can download each one as a PDF."),
    ("I was charged twice.", "Sorry about that. We refund the second charge within five days."),
    (
        "Can I change my email address?",
        "Yes: Settings, then Profile, then Email. We send a confirmation link.",
    ),
    ("Do you ship abroad?", "We ship to most countries in Europe. Shipping takes five to ten days."),
]


def build_tiny_model(out: Path) -> None:
    """Tokenizer and model with the project's own code, trained a few seconds on support turns."""
    from core.prompt import build_messages, render_flat
    from training.loop import make_accelerator, train
    from training.modeling import build_model
    from training.sft import encode
    from training.tokenizer import train_tokenizer

    chats = [
        build_messages(question=None, history=[("user", q), ("assistant", a)], system="Be brief.")
        for q, a in PAIRS
    ]
    texts = [render_flat(c, add_generation_prompt=False) for c in chats] * 10
    tokenizer = train_tokenizer(texts, vocab_size=600, max_length=CONTEXT)
    model = build_model(tokenizer, size="tiny", context=CONTEXT, seed=0)
    examples = [encode(tokenizer, c, max_length=CONTEXT, assistant_only=False) for c in chats]
    accelerator = make_accelerator(seed=0)
    train(
        model,
        accelerator=accelerator,
        examples=[e for e in examples if e] * 3,
        steps=120,
        batch_size=4,
        lr=5e-3,
        max_length=CONTEXT,
        pad_id=tokenizer.pad_token_id,
        progress=False,
    )
    model = accelerator.unwrap_model(model)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


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
    peft_model.save_pretrained(out)


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
def model_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny-model")
    with one_torch_thread():
        build_tiny_model(out)
    return out


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
    from serving.engine import load_engine

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
    from serving.embedded import EmbeddedServer

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
