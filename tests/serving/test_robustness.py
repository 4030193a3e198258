"""One request's failure stays with it; a client that leaves stops its generation.

Failures are real: a token id the embedding table does not have, and a forward hook on the real
model that raises like an out-of-memory error would, once.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from supportbot.serving.job import ChoiceOutput, Job, JobFailed
from supportbot.serving.sampling import SamplingParams
from tests.serving.wait import DEADLINE, wait_for


@pytest.fixture
def own_engine(model_dir) -> Iterator[Any]:
    """An engine of its own: these tests put hooks on its model."""
    from supportbot.serving.engine import load_engine

    engine = load_engine(str(model_dir), device="cpu").start()
    yield engine
    engine.stop()


def paused(engine) -> threading.Event:
    """Hold the loop between two steps until the returned event is set."""
    gate = threading.Event()
    engine.call_in_loop(lambda: gate.wait(DEADLINE))
    return gate


async def run(job) -> tuple[str, str | None, str | None]:
    text, finish, error = "", None, None
    async for event in job.events():
        if isinstance(event, JobFailed):
            error = event.message
        else:
            assert isinstance(event, ChoiceOutput)
            text += event.text
            finish = event.finish_reason or finish
    return text, finish, error


def greedy(max_tokens: int, *, ignore_eos: bool = False) -> SamplingParams:
    return SamplingParams(max_tokens=max_tokens, temperature=0.0, ignore_eos=ignore_eos)


def test_a_failing_prefill_fails_only_its_request(own_engine, reference):
    engine = own_engine
    good = [reference.chat_ids([{"role": "user", "content": q}]) for q in ("hi", "Where is my invoice?")]
    bad = [*good[0][:3], engine.vocab_size + 5]  # not in the embedding table: the forward pass raises

    async def main() -> list:
        gate = paused(engine)  # all three join the same prefill
        target = engine.resolve(engine.base_id)
        jobs = [
            engine.submit(prompts=[good[0]], params=greedy(20), target=target),
            engine.submit(prompts=[bad], params=greedy(20), target=target),
            engine.submit(prompts=[good[1]], params=greedy(20), target=target),
        ]
        gate.set()
        return await asyncio.gather(*[run(j) for j in jobs])

    (text0, _, err0), (_, _, err_bad), (text2, _, err2) = asyncio.run(main())
    assert err_bad is not None and "generation failed" in err_bad
    assert err0 is None and err2 is None
    assert text0 == reference.expected(good[0], max_new_tokens=20)["text"]
    assert text2 == reference.expected(good[1], max_new_tokens=20)["text"]
    assert engine.metrics.value("supportbot_generation_failures_total") == 1


class FailOnce:
    """A forward pre-hook that raises the first time a decode step has ``rows`` sequences."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.fired = 0

    def __call__(self, module: Any, args: tuple) -> None:
        (ids,) = args[:1]
        if ids.shape[1] == 1 and ids.shape[0] == self.rows and not self.fired:
            self.fired += 1
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB (simulated)")


def test_a_failing_decode_step_fails_the_newest_request_only(own_engine, reference):
    engine = own_engine
    prompts = [
        reference.chat_ids([{"role": "user", "content": q}])
        for q in ("hi", "Can I get a refund?", "Do you ship abroad?")
    ]

    async def main() -> list:
        target = engine.resolve(engine.base_id)
        gate = paused(engine)
        first = [
            engine.submit(
                prompts=[prompts[0]], params=greedy(60, ignore_eos=True), target=target, stream=True
            ),
            engine.submit(
                prompts=[prompts[1]], params=greedy(60, ignore_eos=True), target=target, stream=True
            ),
        ]
        gate.set()
        events = [j.events() for j in first]
        firsts = [await e.__anext__() for e in events]  # both are running now
        hook = engine.model.get_input_embeddings().register_forward_pre_hook(FailOnce(rows=3))
        try:
            newest = engine.submit(prompts=[prompts[2]], params=greedy(60), target=target)
            newest_result = await run(newest)
            rest = []
            for e, f in zip(events, firsts, strict=True):
                text = f.text + "".join([ev.text async for ev in e])
                rest.append(text)
        finally:
            hook.remove()
        after = await run(engine.submit(prompts=[prompts[2]], params=greedy(20), target=target))
        return [newest_result, rest, after]

    (_, _, newest_error), rest, after = asyncio.run(main())
    assert newest_error is not None and "out of memory" in newest_error
    import torch

    for prompt, text in zip(prompts[:2], rest, strict=True):
        ids = list(prompt)
        with torch.no_grad():
            for _ in range(60):
                ids.append(int(reference.models[None](torch.tensor([ids])).logits[0, -1].argmax()))
        assert text == reference.tokenizer.decode(ids[len(prompt) :], skip_special_tokens=True)
    assert after[2] is None
    assert after[0] == reference.expected(prompts[2], max_new_tokens=20)["text"]


def test_an_error_mid_stream_is_an_error_event(own_engine, reference):
    from supportbot.serving.embedded import EmbeddedServer

    with (
        EmbeddedServer(engine=own_engine) as srv,
        openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0) as c,
    ):
        stream = c.chat.completions.create(
            model="supportbot",
            messages=[{"role": "user", "content": "hi"}],
            max_tokens=50,
            stream=True,
            extra_body={"ignore_eos": True},
        )
        received = [next(stream)]  # the stream has begun (the role chunk)
        hook = own_engine.model.get_input_embeddings().register_forward_pre_hook(FailOnce(rows=1))
        try:
            with pytest.raises(openai.APIError) as err:
                for chunk in stream:
                    received.append(chunk)
        finally:
            hook.remove()
        assert "out of memory" in err.value.message
        # The raw stream: an error event, then [DONE].
        with httpx.stream(
            "POST",
            f"{srv.base_url}/chat/completions",
            json={
                "model": "supportbot",
                "messages": [{"role": "user", "content": "hi"}],
                "stream": True,
                "max_tokens": 3,
            },
        ) as r:
            lines = [line for line in r.iter_lines() if line]
        assert lines[-1] == "data: [DONE]"
        # And the server goes on answering.
        assert c.chat.completions.create(
            model="supportbot", messages=[{"role": "user", "content": "hi"}], max_tokens=3
        ).choices


def metric(url: str, name: str) -> float:
    text = httpx.get(f"{url}/metrics").text
    return float(re.search(rf"^{name} (\S+)$", text, re.M).group(1))


@pytest.fixture
def aborted(monkeypatch) -> threading.Event:
    """Set once the server has stopped a job because its client went away."""
    event = threading.Event()
    abort = Job.abort

    def noted_abort(job: Job) -> None:
        abort(job)
        event.set()

    monkeypatch.setattr(Job, "abort", noted_abort)
    return event


def test_a_client_that_closes_its_stream_stops_its_generation(own_engine, aborted):
    from supportbot.serving.embedded import EmbeddedServer

    with EmbeddedServer(engine=own_engine) as srv:
        body = {
            "model": "supportbot",
            # A turn the model answers in words: text it streams as it goes (bytes that make no
            # character yet are held back, and a prompt it answers in those streams nothing).
            "prompt": "<|user|>\nhi<|end|>\n<|assistant|>\n",
            "max_tokens": 240,
            "stream": True,
            "ignore_eos": True,
            "n": 4,
        }
        with httpx.stream("POST", f"{srv.base_url}/completions", json=body) as r:
            lines = r.iter_lines()
            first = next(lines)
            assert first.startswith("data: {")
            assert json.loads(first.removeprefix("data: "))["choices"][0]["finish_reason"] is None
            gate = paused(own_engine)  # however slow the server is to notice, nothing finishes first
        try:
            assert aborted.wait(DEADLINE)
        finally:
            gate.set()
        assert wait_for(lambda: metric(srv.url, "supportbot_aborted_sequences_total") == 4)
        assert wait_for(lambda: metric(srv.url, "supportbot_running_sequences") == 0)
        assert metric(srv.url, "supportbot_completion_tokens_total") == 0  # none of them finished


def test_a_client_that_gives_up_on_a_plain_request_stops_it_too(own_engine, aborted):
    from supportbot.serving.embedded import EmbeddedServer

    with EmbeddedServer(engine=own_engine) as srv:
        body = {"model": "supportbot", "prompt": "hello", "max_tokens": 240, "ignore_eos": True, "n": 8}
        gate = paused(own_engine)  # generation cannot finish before the client has given up
        try:
            with pytest.raises(httpx.TimeoutException):
                httpx.post(f"{srv.base_url}/completions", json=body, timeout=0.05)
            # The server notices the closed connection while the job still waits.
            assert aborted.wait(DEADLINE)
        finally:
            gate.set()
        assert wait_for(lambda: metric(srv.url, "supportbot_aborted_sequences_total") == 8)
        assert metric(srv.url, "supportbot_completion_tokens_total") == 0
