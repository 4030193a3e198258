"""Requests in flight share one generation loop, and batching changes no output.

The reference is brute force: the full sequence through the model at every step, no cache, no
padding, argmax. The server's batched, left-padded, cached, continuously joined generation must
give the same tokens, with and without adapters, for prompts of different lengths.
"""

from __future__ import annotations

import asyncio
import re

import openai

QUESTIONS = [
    "hi",
    "Can I get a refund?",
    "My order has not arrived yet. I ordered it three weeks ago and the tracking page shows nothing at all.",
    "How do I change my shipping address?",
    "Do you ship abroad?",
    "The app crashes when I log in, every single time, on my phone and on my tablet.",
]


def brute_greedy(
    reference, prompt_ids: list[int], *, adapter: str | None, steps: int, stop_at_eos: bool
) -> list[int]:
    import torch

    model = reference.models[adapter]
    ids = list(prompt_ids)
    out: list[int] = []
    with torch.no_grad():
        for _ in range(steps):
            token = int(model(torch.tensor([ids])).logits[0, -1].argmax())
            out.append(token)
            ids.append(token)
            if stop_at_eos and token in reference.eos:
                break
    return out


def expected_text(reference, generated: list[int]) -> str:
    if generated and generated[-1] in reference.eos:
        generated = generated[:-1]
    return reference.tokenizer.decode(generated, skip_special_tokens=True)


def batch_steps(http) -> tuple[int, int]:
    """(decode steps so far, of which with more than one sequence in the batch)."""
    text = http.get("/metrics").text
    total = int(float(re.search(r"^supportbot_batch_size_count (\S+)$", text, re.M).group(1)))
    single = int(float(re.search(r'^supportbot_batch_size_bucket\{le="1.0"\} (\S+)$', text, re.M).group(1)))
    return total, total - single


def test_concurrent_requests_of_different_lengths_and_adapters(server, reference, base_name, http):
    names = [None, "alpha", "beta"]
    jobs = [(q, names[i % 3]) for i, q in enumerate(QUESTIONS)] + [(q, None) for q in QUESTIONS[:2]]
    _, multi_before = batch_steps(http)

    async def main() -> list:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as c:
            return await asyncio.gather(
                *[
                    c.chat.completions.create(
                        model=adapter or base_name,
                        messages=[{"role": "user", "content": q}],
                        max_tokens=30,
                        temperature=0,
                    )
                    for q, adapter in jobs
                ]
            )

    responses = asyncio.run(main())
    for (question, adapter), r in zip(jobs, responses, strict=True):
        ids = reference.chat_ids([{"role": "user", "content": question}])
        generated = brute_greedy(reference, ids, adapter=adapter, steps=30, stop_at_eos=True)
        assert r.choices[0].message.content == expected_text(reference, generated), (question, adapter)
        assert r.usage.completion_tokens == len(generated)
    _, multi_after = batch_steps(http)
    assert multi_after > multi_before  # they were batched together, not served one by one


def test_new_requests_join_a_running_generation(server, reference, base_name):
    """A long stream is running; short requests arrive, join its batch, and finish first."""
    long_prompt = reference.chat_ids([{"role": "user", "content": "How do I cancel my subscription?"}])

    async def main() -> tuple[str, list, bool]:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as c:
            stream = await c.completions.create(
                model=base_name,
                prompt=long_prompt,
                max_tokens=160,
                temperature=0,
                stream=True,
                extra_body={"ignore_eos": True},
            )
            parts: list[str] = []
            first = asyncio.Event()

            async def read() -> None:
                async for chunk in stream:
                    parts.append(chunk.choices[0].text)
                    first.set()

            reader = asyncio.create_task(read())
            await first.wait()
            shorts = await asyncio.gather(
                *[
                    c.completions.create(
                        model=adapter,
                        prompt=reference.chat_ids([{"role": "user", "content": q}]),
                        max_tokens=12,
                        temperature=0,
                    )
                    for q, adapter in [
                        (QUESTIONS[1], "alpha"),
                        (QUESTIONS[3], base_name),
                        (QUESTIONS[4], "beta"),
                    ]
                ]
            )
            long_still_running = not reader.done()
            await reader
            return "".join(parts), shorts, long_still_running

    long_text, shorts, long_still_running = asyncio.run(main())
    assert long_still_running
    generated = brute_greedy(reference, long_prompt, adapter=None, steps=160, stop_at_eos=False)
    assert long_text == reference.tokenizer.decode(generated, skip_special_tokens=True)
    for (question, adapter), r in zip(
        [(QUESTIONS[1], "alpha"), (QUESTIONS[3], None), (QUESTIONS[4], "beta")], shorts, strict=True
    ):
        ids = reference.chat_ids([{"role": "user", "content": question}])
        want = brute_greedy(reference, ids, adapter=adapter, steps=12, stop_at_eos=True)
        assert r.choices[0].text == expected_text(reference, want)


def test_many_concurrent_streams_equal_generate(server, reference, base_name):
    """More requests than fit one prefill, streamed and not, all at once."""
    prompts = [
        reference.chat_ids([{"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]}]) for i in range(24)
    ]

    async def main() -> list[str]:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as c:

            async def one(i: int) -> str:
                kwargs = {"model": base_name, "prompt": prompts[i], "max_tokens": 20, "temperature": 0}
                if i % 2:
                    return "".join(
                        [ch.choices[0].text async for ch in await c.completions.create(**kwargs, stream=True)]
                    )
                return (await c.completions.create(**kwargs)).choices[0].text

            return await asyncio.gather(*[one(i) for i in range(len(prompts))])

    texts = asyncio.run(main())
    for i, text in enumerate(texts):
        assert text == reference.expected(prompts[i], max_new_tokens=20)["text"]
