"""/v1/completions through the official client against plain ``model.generate``."""

from __future__ import annotations

import math

import pytest

PROMPTS = [
    "<|system|>\nBe brief.<|end|>\n<|user|>\nCan I get a refund?<|end|>\n<|assistant|>\n",
    "<|user|>\nWhere is my invoice?<|end|>\n<|assistant|>\n",
    "Open Settings, choose",
]
QUESTIONS = [
    "Do you ship abroad?",
    "Where is my invoice?",
    "I was charged twice.",
    "Can I get a refund?",
    "How do I reset my password?",
    "My order has not arrived yet.",
    "How do I cancel my subscription?",
    "Can I change my email address?",
]


def test_greedy_completion_equals_generate(client, reference, base_name):
    for prompt in PROMPTS:
        ids = reference.tokenizer.encode(prompt)
        want = reference.expected(ids, max_new_tokens=30)
        r = client.completions.create(model=base_name, prompt=prompt, max_tokens=30, temperature=0)
        choice = r.choices[0]
        assert choice.text == want["text"]
        assert choice.finish_reason == want["finish_reason"]
        assert r.usage.prompt_tokens == len(ids)
        assert r.usage.completion_tokens == want["completion_tokens"]
        assert r.usage.total_tokens == len(ids) + want["completion_tokens"]
        assert r.object == "text_completion" and r.model == base_name and r.system_fingerprint == "base"


def test_default_max_tokens_is_16_and_length_finish(client, reference, base_name):
    ids = reference.tokenizer.encode(PROMPTS[2])
    want = reference.expected(ids, max_new_tokens=16)
    r = client.completions.create(
        model=base_name, prompt=PROMPTS[2], temperature=0, extra_body={"ignore_eos": True}
    )
    assert r.usage.completion_tokens == 16
    assert r.choices[0].finish_reason == "length"
    if want["finish_reason"] == "length":
        assert r.choices[0].text == want["text"]


def test_prompt_list_token_ids_and_n(client, reference, base_name):
    ids = [reference.tokenizer.encode(p) for p in PROMPTS[:2]]
    r = client.completions.create(model=base_name, prompt=ids, n=2, max_tokens=12, temperature=0)
    assert [c.index for c in r.choices] == [0, 1, 2, 3]
    for index, choice in enumerate(r.choices):
        want = reference.expected(ids[index // 2], max_new_tokens=12)
        assert choice.text == want["text"]
    assert r.usage.prompt_tokens == len(ids[0]) + len(ids[1])  # each prompt counted once, not per choice
    single = client.completions.create(model=base_name, prompt=ids[0], max_tokens=12, temperature=0)
    assert single.choices[0].text == r.choices[0].text


def test_stop_strings_cut_the_text_and_finish_with_stop(client, reference, base_name):
    ids = reference.tokenizer.encode(PROMPTS[0])
    full = reference.expected(ids, max_new_tokens=40, adapter=None)["text"]
    assert len(full) > 6
    stop = full[3:6]
    r = client.completions.create(
        model=base_name, prompt=PROMPTS[0], max_tokens=40, temperature=0, stop=[stop, "zzzz"]
    )
    assert r.choices[0].text == full[: full.index(stop)]
    assert r.choices[0].finish_reason == "stop"
    # Streamed, the stop string is held back and never sent.
    stream = client.completions.create(
        model=base_name, prompt=PROMPTS[0], max_tokens=40, temperature=0, stop=stop, stream=True
    )
    chunks = list(stream)
    assert "".join(c.choices[0].text for c in chunks) == full[: full.index(stop)]
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_stop_on_a_special_token_string(client, reference, base_name):
    """The bot's completion mode sends stop=["<|end|>", "<|user|>"]: special tokens, never in the text."""
    prompts = [
        f"{system}<|user|>\n{question}<|end|>\n<|assistant|>\n"
        for question in QUESTIONS
        for system in ("<|system|>\nBe brief.<|end|>\n", "")
    ]
    # A turn the model ends; with ignore_eos only the stop strings can end the reply there.
    index, want = reference.first_that_ends(
        [reference.tokenizer.encode(p) for p in prompts], max_new_tokens=120
    )
    r = client.completions.create(
        model=base_name,
        prompt=prompts[index],
        max_tokens=120,
        temperature=0,
        stop=["<|end|>", "<|user|>"],
        extra_body={"ignore_eos": True},
    )
    assert r.choices[0].text == want["text"]
    assert r.choices[0].finish_reason == "stop"


def test_logprobs_match_a_forward_pass(client, reference, base_name):
    import torch

    ids = reference.tokenizer.encode(PROMPTS[1])
    r = client.completions.create(model=base_name, prompt=PROMPTS[1], max_tokens=8, temperature=0, logprobs=3)
    lp = r.choices[0].logprobs
    generated = reference.generate(ids, max_new_tokens=8)
    n = len(lp.tokens)
    assert n == len(lp.token_logprobs) == len(lp.top_logprobs) == len(lp.text_offset)
    with torch.no_grad():
        logits = reference.models[None](torch.tensor([ids + generated])).logits[0]
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    text = r.choices[0].text
    for i in range(n):
        row = logprobs[len(ids) - 1 + i]
        assert lp.tokens[i] == reference.tokenizer.decode([generated[i]])
        assert math.isclose(lp.token_logprobs[i], float(row[generated[i]]), abs_tol=1e-4)
        top_values, top_ids = torch.topk(row, 3)
        expected_top = {
            reference.tokenizer.decode([t]): float(v)
            for t, v in zip(top_ids.tolist(), top_values, strict=True)
        }
        for token, value in expected_top.items():
            assert math.isclose(lp.top_logprobs[i][token], value, abs_tol=1e-4)
        assert text[lp.text_offset[i] :].startswith(lp.tokens[i])
    assert lp.token_logprobs[0] == max(lp.top_logprobs[0].values())  # greedy picks the top token


def test_echo_prepends_the_prompt(client, base_name):
    r = client.completions.create(model=base_name, prompt=PROMPTS[2], max_tokens=5, temperature=0, echo=True)
    plain = client.completions.create(model=base_name, prompt=PROMPTS[2], max_tokens=5, temperature=0)
    assert r.choices[0].text == PROMPTS[2] + plain.choices[0].text


def test_streamed_completion_equals_non_streamed(client, base_name):
    kwargs = {"model": base_name, "prompt": PROMPTS[0], "max_tokens": 25, "temperature": 0}
    whole = client.completions.create(**kwargs)
    chunks = list(client.completions.create(**kwargs, stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == whole.choices[0].text
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == whole.usage.completion_tokens
    assert chunks[-1].usage.prompt_tokens == whole.usage.prompt_tokens
    assert all(c.usage is None for c in chunks[:-1])
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == [whole.choices[0].finish_reason]


@pytest.mark.parametrize("max_tokens", [0, 1])
def test_tiny_max_tokens(client, base_name, max_tokens):
    r = client.completions.create(
        model=base_name, prompt="Hello", max_tokens=max_tokens, extra_body={"ignore_eos": True}
    )
    assert r.usage.completion_tokens == max_tokens
    assert r.choices[0].finish_reason == "length"


def test_reply_stops_at_the_context_window(client, reference, base_name, engine):
    ids = reference.tokenizer.encode("Hello " * 40)
    room = engine.context_window - len(ids)
    r = client.completions.create(
        model=base_name, prompt=ids, max_tokens=1000, temperature=0, extra_body={"ignore_eos": True}
    )
    assert r.usage.completion_tokens == room
    assert r.choices[0].finish_reason == "length"


def test_seeded_sampling_is_reproducible(client, base_name):
    kwargs = {"model": base_name, "prompt": PROMPTS[2], "max_tokens": 20, "temperature": 1.5, "n": 3}
    a = client.completions.create(**kwargs, seed=7)
    b = client.completions.create(**kwargs, seed=7)
    assert [c.text for c in a.choices] == [c.text for c in b.choices]
    # The choices of one request are drawn independently of each other.
    assert len({c.text for c in a.choices}) > 1


def test_top_p_near_zero_is_greedy(client, base_name):
    kwargs = {"model": base_name, "prompt": PROMPTS[1], "max_tokens": 20}
    greedy = client.completions.create(**kwargs, temperature=0)
    nucleus = client.completions.create(**kwargs, temperature=1.0, top_p=1e-9, seed=3)
    assert nucleus.choices[0].text == greedy.choices[0].text
