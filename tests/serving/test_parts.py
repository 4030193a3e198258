"""The pieces on their own: incremental detokenization, sampling, the metrics text."""

from __future__ import annotations

import math
import re

import pytest

from supportbot.serving.detokenize import IncrementalText
from supportbot.serving.metrics import ServerMetrics
from supportbot.serving.sampling import SamplingParams, choose, make_generator

TEXTS = [
    "Refunds take 5 days. Danke schön — ça marche! 💥🚀 Ünïcödé… 日本語のテキスト",
    "Open Settings, choose Security and click Reset password.",
    "  leading spaces and\nnew lines\n\n",
]


@pytest.fixture(scope="module")
def tokenizer(model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_dir)


@pytest.mark.parametrize("text", TEXTS)
def test_token_by_token_text_equals_decoding_all_at_once(tokenizer, text):
    ids = tokenizer.encode(text)
    prompt = tokenizer.encode("<|user|>\nhi<|end|>\n<|assistant|>\n")
    inc = IncrementalText(tokenizer, prompt_ids=prompt)
    released = []
    for token in ids:
        inc.append(token)
        assert "\ufffd" not in inc.text  # never a half character
        released.append(inc.releasable(final=False))
    inc.flush()
    assert inc.text == tokenizer.decode(ids, skip_special_tokens=True)
    assert released == sorted(released)
    assert len(inc.starts) == len(ids)
    # Decoded once at the end (no stream, no stop strings): the same text.
    lazy = IncrementalText(tokenizer, prompt_ids=prompt, lazy=True)
    for token in ids:
        lazy.append(token)
    assert lazy.text == ""
    lazy.flush()
    assert lazy.text == inc.text


def test_stop_strings_across_tokens_and_hold_back(tokenizer):
    text = "Open Settings, choose Security and click Reset password."
    ids = tokenizer.encode(text)
    inc = IncrementalText(tokenizer, prompt_ids=[], stop=["Security", "zz"])
    for token in ids:
        inc.append(token)
        if inc.stopped:
            break
        # What a stream may send never ends in a possible start of a stop string.
        shown = inc.text[: inc.releasable(final=False)]
        assert not any(shown.endswith(s[:k]) for s in ("Security", "zz") for k in range(1, len(s)))
    assert inc.stopped
    assert inc.text == "Open Settings, choose "
    assert 0 < inc.kept_tokens() < len(ids)


def test_a_stop_string_at_the_very_start(tokenizer):
    inc = IncrementalText(tokenizer, prompt_ids=[], stop=["Open"])
    for token in tokenizer.encode("Open the door"):
        inc.append(token)
        if inc.stopped:
            break
    assert inc.text == "" and inc.kept_tokens() == 0


def brute_nucleus(probs: list[float], top_p: float) -> set[int]:
    order = sorted(range(len(probs)), key=lambda i: -probs[i])
    kept, total = set(), 0.0
    for i in order:
        kept.add(i)
        total += probs[i]
        if total >= top_p:
            break
    return kept


@pytest.mark.parametrize("top_p", [0.05, 0.3, 0.6, 0.9])
def test_top_p_samples_only_from_the_nucleus(top_p):
    import torch

    logits = torch.tensor([[2.0, 1.0, 0.5, 0.0, -1.0, -3.0]])
    allowed = brute_nucleus(torch.softmax(logits[0], -1).tolist(), top_p)
    params = [SamplingParams(max_tokens=1, temperature=1.0, top_p=top_p)]
    generator = make_generator(0, device="cpu")
    seen = {choose(logits, params, [generator])[0].token for _ in range(300)}
    assert seen <= allowed
    assert seen == allowed  # 300 draws reach every member of so small a nucleus


def test_rows_keep_their_own_parameters():
    import torch

    logits = torch.tensor([[0.0, 5.0, 1.0], [3.0, 0.0, 0.0], [0.0, 0.0, 9.0]])
    params = [
        SamplingParams(max_tokens=1, temperature=0.0, logprobs=2),
        SamplingParams(max_tokens=1, temperature=0.0),
        SamplingParams(max_tokens=1, temperature=1.0, seed=1, logprobs=0),
    ]
    generators = [None, None, make_generator(1, device="cpu")]
    rows = choose(logits, params, generators)
    assert [r.token for r in rows[:2]] == [1, 0]
    expected = torch.log_softmax(logits[0], -1)
    assert math.isclose(rows[0].logprob, float(expected[1]), abs_tol=1e-6)
    assert [t for t, _ in rows[0].top] == [1, 2]
    assert rows[1].logprob is None and rows[1].top is None
    assert rows[2].top == [] and rows[2].logprob is not None


def test_seeded_generators_repeat():
    import torch

    logits = torch.zeros((1, 50))
    params = [SamplingParams(max_tokens=1, temperature=1.0)]
    draw = [
        [choose(logits, params, [g])[0].token for _ in range(20)]
        for g in (make_generator(5, device="cpu"), make_generator(5, device="cpu"))
    ]
    assert draw[0] == draw[1]
    assert len(set(draw[0])) > 1


def test_metrics_text_format():
    m = ServerMetrics()
    m.requests.labels(endpoint="/v1/completions", status="200").inc()
    m.requests.labels(endpoint="/v1/completions", status="200").inc()
    m.requests.labels(endpoint='we"ird\\', status="400").inc()
    for size in (1, 3, 3, 70):
        m.batch_size.observe(size)
    m.queue_depth.set(4)
    text = m.exposition().decode()
    assert 'supportbot_requests_total{endpoint="/v1/completions",status="200"} 2.0' in text
    assert 'supportbot_requests_total{endpoint="we\\"ird\\\\",status="400"} 1.0' in text
    buckets = {
        float(le): float(count)
        for le, count in re.findall(r'^supportbot_batch_size_bucket\{le="([^"]+)"\} (\S+)$', text, re.M)
    }
    assert buckets[1] == 1 and buckets[2] == 1 and buckets[4] == 3 and buckets[64] == 3
    assert buckets[128] == 4 and buckets[float("inf")] == 4
    assert "supportbot_batch_size_sum 77.0" in text and "supportbot_batch_size_count 4.0" in text
    assert "supportbot_queue_depth 4.0" in text
    assert "_created" not in text  # the series /metrics has always shown, no more
    assert m.value("supportbot_requests_total", {"endpoint": "/v1/completions", "status": "200"}) == 2
    for line in text.splitlines():
        assert (
            line.startswith("# HELP ")
            or line.startswith("# TYPE ")
            or re.match(r"^[a-z_]+(\{.*\})? \S+$", line)
        )


def test_metrics_count_what_the_api_reported(client, http, base_name):
    def counter(name: str) -> float:
        return float(re.search(rf"^{name} (\S+)$", http.get("/metrics").text, re.M).group(1))

    prompt_before, completion_before = (
        counter("supportbot_prompt_tokens_total"),
        counter("supportbot_completion_tokens_total"),
    )
    r1 = client.completions.create(model=base_name, prompt=["hi", "Where is"], n=2, max_tokens=7)
    r2 = client.chat.completions.create(
        model=base_name, messages=[{"role": "user", "content": "hi"}], max_tokens=9
    )
    assert (
        counter("supportbot_prompt_tokens_total") - prompt_before
        == r1.usage.prompt_tokens + r2.usage.prompt_tokens
    )
    assert (
        counter("supportbot_completion_tokens_total") - completion_before
        == r1.usage.completion_tokens + r2.usage.completion_tokens
    )
    text = http.get("/metrics").text
    for name in (
        "supportbot_time_to_first_token_seconds_count",
        "supportbot_request_latency_seconds_count",
        "supportbot_queue_depth",
        "supportbot_running_sequences",
    ):
        assert re.search(rf"^{name} \S+$", text, re.M), name
