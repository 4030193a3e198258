"""LoRA adapters chosen per request by `model`, and loaded, swapped, unloaded at run time."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest

from tests.serving.conftest import ADMIN_TOKEN

PROMPTS = [
    [{"role": "user", "content": "Can I get a refund?"}],
    [{"role": "user", "content": "Where is my invoice?"}],
    [{"role": "user", "content": "hi"}],
]
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def answer(client, model: str, messages, max_tokens: int = 25) -> str:
    r = client.chat.completions.create(model=model, messages=messages, max_tokens=max_tokens, temperature=0)
    return r.choices[0].message.content


def peft_reference(model_dir, adapter_dir):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    return PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(model_dir).eval(), adapter_dir
    ).eval()


def test_models_lists_base_adapters_and_alias(client, base_name, adapter_dirs):
    cards = {m.id: m for m in client.models.list().data}
    assert {base_name, "alpha", "beta", "supportbot"} <= set(cards)
    assert cards["alpha"].parent == base_name
    assert cards["alpha"].root == "alpha"  # a name: server paths are not for clients
    assert cards["supportbot"].parent == base_name
    assert cards[base_name].owned_by == "supportbot"


def test_each_request_gets_its_adapter(client, reference, base_name):
    outputs = {}
    for adapter in (None, "alpha", "beta"):
        for messages in PROMPTS:
            want = reference.expected(reference.chat_ids(messages), adapter=adapter, max_new_tokens=25)
            got = client.chat.completions.create(
                model=adapter or base_name, messages=messages, max_tokens=25, temperature=0
            )
            assert got.choices[0].message.content == want["text"], (adapter, messages)
            assert got.system_fingerprint == (adapter or "base")
            outputs[(adapter, messages[0]["content"])] = want["text"]
    # The adapters change what the model says (otherwise the test above would prove nothing).
    for adapter in ("alpha", "beta"):
        assert any(outputs[(adapter, m[0]["content"])] != outputs[(None, m[0]["content"])] for m in PROMPTS)


def test_admin_is_disabled_without_a_token(engine):
    from supportbot.serving.embedded import EmbeddedServer

    with EmbeddedServer(engine=engine) as srv:
        r = httpx.post(f"{srv.url}/admin/adapters", json={"name": "x", "path": "/nowhere"}, headers=ADMIN)
        assert r.status_code == 403
        assert "SUPPORTBOT_ADMIN_TOKEN" in r.json()["error"]["message"]


def test_admin_needs_the_right_token(http):
    assert http.get("/admin/adapters").status_code == 401
    assert http.get("/admin/adapters", headers={"Authorization": "Bearer wrong"}).status_code == 401
    listed = http.get("/admin/adapters", headers=ADMIN).json()
    assert {"alpha", "beta"} <= {a["name"] for a in listed["adapters"]}


def test_load_swap_and_unload_at_run_time(client, http, reference, model_dir, adapter_dirs):
    messages = PROMPTS[0]
    ids = reference.chat_ids(messages)
    gamma = reference.tokenizer.decode(
        [
            t
            for t in _generate(peft_reference(model_dir, adapter_dirs["gamma"]), ids, 25)
            if t not in reference.eos
        ],
        skip_special_tokens=True,
    )
    alpha = reference.expected(ids, adapter="alpha", max_new_tokens=25)["text"]
    with pytest.raises(openai.NotFoundError):
        answer(client, "swappy", messages)

    r = http.post(
        "/admin/adapters", json={"name": "swappy", "path": str(adapter_dirs["alpha"])}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    assert r.json()["replaced"] == "no"
    assert answer(client, "swappy", messages) == alpha
    assert "swappy" in {m.id for m in client.models.list().data}

    r = http.post(
        "/admin/adapters", json={"name": "swappy", "path": str(adapter_dirs["gamma"])}, headers=ADMIN
    )
    assert r.status_code == 200 and r.json()["replaced"] == "yes"
    assert answer(client, "swappy", messages) == gamma
    assert answer(client, "alpha", messages) == alpha  # the others are untouched

    r = http.delete("/admin/adapters/swappy", headers=ADMIN)
    assert r.status_code == 200
    with pytest.raises(openai.NotFoundError):
        answer(client, "swappy", messages)
    assert http.delete("/admin/adapters/swappy", headers=ADMIN).status_code == 404


def _generate(model, ids: list[int], max_new_tokens: int) -> list[int]:
    import torch

    prompt = torch.tensor([ids])
    with torch.no_grad():
        out = model.generate(
            prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=max_new_tokens, do_sample=False
        )
    return out[0, len(ids) :].tolist()


def test_swap_during_a_stream_keeps_the_running_request_on_its_weights(server, http, reference, adapter_dirs):
    ids = reference.chat_ids(PROMPTS[1])
    assert (
        http.post(
            "/admin/adapters", json={"name": "live", "path": str(adapter_dirs["alpha"])}, headers=ADMIN
        ).status_code
        == 200
    )

    async def main() -> tuple[str, str]:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as c:
            stream = await c.completions.create(
                model="live",
                prompt=ids,
                max_tokens=120,
                temperature=0,
                stream=True,
                extra_body={"ignore_eos": True},
            )
            parts = []
            swapped = False
            async for chunk in stream:
                parts.append(chunk.choices[0].text)
                if not swapped:
                    async with httpx.AsyncClient(base_url=server.url) as admin:
                        r = await admin.post(
                            "/admin/adapters",
                            json={"name": "live", "path": str(adapter_dirs["beta"])},
                            headers=ADMIN,
                        )
                        assert r.status_code == 200
                    swapped = True
                    after = await c.completions.create(model="live", prompt=ids, max_tokens=20, temperature=0)
            return "".join(parts), after.choices[0].text

    streamed, after = asyncio.run(main())
    import torch

    # Brute force with alpha for the whole stream (it began on alpha), beta for the request after.
    full = list(ids)
    with torch.no_grad():
        for _ in range(120):
            full.append(int(reference.models["alpha"](torch.tensor([full])).logits[0, -1].argmax()))
    assert streamed == reference.tokenizer.decode(full[len(ids) :], skip_special_tokens=True)
    assert after == reference.expected(ids, adapter="beta", max_new_tokens=20)["text"]
    assert http.delete("/admin/adapters/live", headers=ADMIN).status_code == 200


def test_admin_errors(http, base_name, tmp_path, model_dir):
    r = http.post("/admin/adapters", json={"name": "x", "path": str(tmp_path / "missing")}, headers=ADMIN)
    assert r.status_code == 400 and "does not exist" in r.json()["error"]["message"]
    (tmp_path / "empty").mkdir()
    r = http.post("/admin/adapters", json={"name": "x", "path": str(tmp_path / "empty")}, headers=ADMIN)
    assert r.status_code == 400 and "adapter_config.json" in r.json()["error"]["message"]
    r = http.post("/admin/adapters", json={"name": base_name, "path": str(model_dir)}, headers=ADMIN)
    assert r.status_code == 400
    r = http.post("/admin/adapters", json={"name": 3}, headers=ADMIN)
    assert r.status_code == 400
    r = http.post("/admin/adapters", content=b"{nope", headers=ADMIN)
    assert r.status_code == 400


def test_an_adapter_for_another_base_is_refused(http, tmp_path, reference):
    from peft import LoraConfig, get_peft_model

    from supportbot.training.modeling import build_model

    other = build_model(reference.tokenizer, size="small", context=64)  # wider layers than the tiny base
    get_peft_model(
        other, LoraConfig(r=2, target_modules=["q_proj"], init_lora_weights=False)
    ).save_pretrained(tmp_path / "wide")
    r = http.post("/admin/adapters", json={"name": "wide", "path": str(tmp_path / "wide")}, headers=ADMIN)
    assert r.status_code == 400
    assert "does not fit this base model" in r.json()["error"]["message"]
    assert "wide" not in {a["name"] for a in http.get("/admin/adapters", headers=ADMIN).json()["adapters"]}


def test_the_alias_target_cannot_be_unloaded(engine, http, adapter_dirs):
    assert (
        http.post(
            "/admin/adapters", json={"name": "pinned", "path": str(adapter_dirs["alpha"])}, headers=ADMIN
        ).status_code
        == 200
    )
    engine.set_alias("pinned-alias", "pinned")
    try:
        r = http.delete("/admin/adapters/pinned", headers=ADMIN)
        assert r.status_code == 409
    finally:
        engine.remove_alias("pinned-alias")
        assert http.delete("/admin/adapters/pinned", headers=ADMIN).status_code == 200


def test_an_adapter_that_adds_tokens_is_refused(http, tmp_path, adapter_dirs, model_dir):
    import shutil

    from transformers import AutoTokenizer

    folder = tmp_path / "grown"
    shutil.copytree(adapter_dirs["alpha"], folder)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.add_tokens(["<|new-product|>"])
    tokenizer.save_pretrained(folder)
    r = http.post("/admin/adapters", json={"name": "grown", "path": str(folder)}, headers=ADMIN)
    assert r.status_code == 400
    assert "must not add tokens" in r.json()["error"]["message"]


def test_an_adapter_brings_its_own_chat_template(client, http, tmp_path, adapter_dirs, model_dir, reference):
    import shutil

    from transformers import AutoTokenizer

    folder = tmp_path / "templated"
    shutil.copytree(adapter_dirs["alpha"], folder)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.chat_template = "<|system|>\nAlways polite.<|end|>\n" + tokenizer.chat_template
    tokenizer.save_pretrained(folder)
    assert (
        http.post(
            "/admin/adapters", json={"name": "templated", "path": str(folder)}, headers=ADMIN
        ).status_code
        == 200
    )
    try:
        messages = PROMPTS[1]
        text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        ids = tokenizer.encode(text, add_special_tokens=False)
        want = reference.expected(ids, adapter="alpha", max_new_tokens=25)["text"]
        r = client.chat.completions.create(model="templated", messages=messages, max_tokens=25, temperature=0)
        assert r.choices[0].message.content == want
        # The prompt was the adapter's template, not the base's (what the tiny model answers may
        # not show it: it can say the same whatever the system turn).
        assert r.usage.prompt_tokens == len(ids) != len(reference.chat_ids(messages))
    finally:
        http.delete("/admin/adapters/templated", headers=ADMIN)
