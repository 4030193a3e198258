"""/v1/chat/completions through the official client, sync and async, against ``model.generate``."""

from __future__ import annotations

import asyncio
import math

import openai
import pytest

QUESTIONS = ["How do I reset my password?", "I was charged twice.", "Do you ship abroad?"]
# Where to look for a turn the tiny model ends (it ends some and rambles on in others).
MORE_QUESTIONS = [
    "Where is my invoice?",
    "Can I get a refund?",
    "My order has not arrived yet.",
    "How do I change my shipping address?",
    "The app crashes when I log in.",
    "How do I cancel my subscription?",
    "Can I change my email address?",
]


def chat(question: str, system: str | None = "Be brief.") -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system}] if system else []
    return [*messages, {"role": "user", "content": question}]


def test_greedy_chat_equals_generate(client, reference, base_name):
    for question in QUESTIONS:
        messages = chat(question)
        want = reference.expected(reference.chat_ids(messages), max_new_tokens=60)
        r = client.chat.completions.create(model=base_name, messages=messages, max_tokens=60, temperature=0)
        assert r.choices[0].message.content == want["text"]
        assert r.choices[0].message.role == "assistant"
        assert r.choices[0].finish_reason == want["finish_reason"]
        assert r.usage.prompt_tokens == len(reference.chat_ids(messages))
        assert r.usage.completion_tokens == want["completion_tokens"]
        assert r.object == "chat.completion" and r.id.startswith("chatcmpl-")


def test_the_trained_model_ends_its_turn(client, reference, base_name):
    """Generation stops on the template's end of turn: the answer never runs on into a new turn."""
    asked = [chat(q, system) for q in QUESTIONS + MORE_QUESTIONS for system in ("Be brief.", None)]
    index, want = reference.first_that_ends([reference.chat_ids(m) for m in asked], max_new_tokens=120)
    # No max_tokens: the model's own end of turn, not a limit, ends the reply.
    r = client.chat.completions.create(model=base_name, messages=asked[index], temperature=0)
    assert r.choices[0].finish_reason == "stop"
    assert "<|" not in r.choices[0].message.content
    assert r.choices[0].message.content == want["text"]
    assert r.usage.completion_tokens == want["completion_tokens"]


def test_default_model_name_and_fingerprint(client, base_name):
    r = client.chat.completions.create(model="supportbot", messages=chat(QUESTIONS[0]), max_tokens=5)
    assert r.model == "supportbot"
    assert r.system_fingerprint == "base"
    same = client.chat.completions.create(model=base_name, messages=chat(QUESTIONS[0]), max_tokens=5)
    assert r.choices[0].message.content == same.choices[0].message.content


def test_developer_role_and_text_parts_are_accepted(client, base_name):
    plain = client.chat.completions.create(model=base_name, messages=chat(QUESTIONS[1]), max_tokens=10)
    parts = client.chat.completions.create(
        model=base_name,
        messages=[
            {"role": "developer", "content": "Be brief."},
            {
                "role": "user",
                "content": [{"type": "text", "text": "I was charged "}, {"type": "text", "text": "twice."}],
            },
        ],
        max_tokens=10,
    )
    assert parts.choices[0].message.content == plain.choices[0].message.content


def test_multi_turn_history(client, reference, base_name):
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Can I get a refund?"},
        {"role": "assistant", "content": "Yes, within 30 days."},
        {"role": "user", "content": "Where is my invoice?"},
    ]
    want = reference.expected(reference.chat_ids(messages), max_new_tokens=30)
    r = client.chat.completions.create(model=base_name, messages=messages, max_tokens=30, temperature=0)
    assert r.choices[0].message.content == want["text"]


def test_streaming_chat_chunks(client, base_name):
    kwargs = {"model": base_name, "messages": chat(QUESTIONS[2]), "max_tokens": 40, "temperature": 0}
    whole = client.chat.completions.create(**kwargs)
    chunks = list(
        client.chat.completions.create(**kwargs, stream=True, stream_options={"include_usage": True})
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == [whole.choices[0].finish_reason]
    assert chunks[-1].choices == []
    assert chunks[-1].usage.model_dump() == whole.usage.model_dump()


def test_stream_without_usage_has_no_usage_chunk(client, base_name):
    chunks = list(
        client.chat.completions.create(
            model=base_name, messages=chat(QUESTIONS[0]), max_tokens=5, stream=True
        )
    )
    assert all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)


def test_n_choices_streamed_and_not(client, base_name):
    kwargs = {
        "model": base_name,
        "messages": chat(QUESTIONS[0]),
        "max_tokens": 15,
        "temperature": 1.2,
        "seed": 11,
        "n": 3,
    }
    whole = client.chat.completions.create(**kwargs)
    assert [c.index for c in whole.choices] == [0, 1, 2]
    texts: dict[int, str] = {0: "", 1: "", 2: ""}
    for chunk in client.chat.completions.create(**kwargs, stream=True):
        for c in chunk.choices:
            texts[c.index] += c.delta.content or ""
    assert [texts[i] for i in range(3)] == [c.message.content for c in whole.choices]


def test_chat_logprobs(client, reference, base_name):
    import torch

    messages = chat(QUESTIONS[1])
    ids = reference.chat_ids(messages)
    r = client.chat.completions.create(
        model=base_name, messages=messages, max_tokens=6, temperature=0, logprobs=True, top_logprobs=4
    )
    content = r.choices[0].logprobs.content
    generated = reference.generate(ids, max_new_tokens=6)
    with torch.no_grad():
        logprobs = torch.log_softmax(
            reference.models[None](torch.tensor([ids + generated])).logits[0].float(), -1
        )
    assert "".join(t.token for t in content) == r.choices[0].message.content
    for i, entry in enumerate(content):
        assert math.isclose(entry.logprob, float(logprobs[len(ids) - 1 + i, generated[i]]), abs_tol=1e-4)
        assert len(entry.top_logprobs) == 4
        assert entry.top_logprobs[0].token == entry.token  # greedy: the chosen token is the likeliest
        assert entry.bytes == list(entry.token.encode())
        assert [t.logprob for t in entry.top_logprobs] == sorted(
            (t.logprob for t in entry.top_logprobs), reverse=True
        )
    without = client.chat.completions.create(model=base_name, messages=messages, max_tokens=6)
    assert without.choices[0].logprobs is None


def test_streamed_logprobs_cover_the_streamed_text(client, base_name):
    chunks = list(
        client.chat.completions.create(
            model=base_name,
            messages=chat(QUESTIONS[2]),
            max_tokens=20,
            logprobs=True,
            top_logprobs=1,
            stream=True,
        )
    )
    tokens = [t for c in chunks if c.choices and c.choices[0].logprobs for t in c.choices[0].logprobs.content]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "".join(t.token for t in tokens) == text


def test_stop_string_in_chat(client, reference, base_name):
    text = reference.expected(reference.chat_ids(chat("Where is my invoice?")), max_new_tokens=40)["text"]
    assert len(text.split()) > 2, text
    word = text.split()[2]  # a stop string from the middle of what the model says
    r = client.chat.completions.create(
        model=base_name, messages=chat("Where is my invoice?"), max_tokens=40, temperature=0, stop=[word]
    )
    assert r.choices[0].message.content == text[: text.index(word)]
    assert r.choices[0].finish_reason == "stop"


def test_max_completion_tokens(client, base_name):
    r = client.chat.completions.create(
        model=base_name, messages=chat(QUESTIONS[0]), max_completion_tokens=3, extra_body={"ignore_eos": True}
    )
    assert r.usage.completion_tokens == 3 and r.choices[0].finish_reason == "length"


def test_model_without_chat_template_is_refused_for_chat_only(no_template_dir):
    from supportbot.serving.embedded import EmbeddedServer

    with (
        EmbeddedServer(str(no_template_dir), device="cpu") as srv,
        openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0) as c,
    ):
        with pytest.raises(openai.BadRequestError) as err:
            c.chat.completions.create(model="supportbot", messages=chat("hi"))
        assert "no chat template" in err.value.message
        assert err.value.body["code"] == "no_chat_template"
        r = c.completions.create(
            model="supportbot", prompt="<|user|>\nhi<|end|>\n<|assistant|>\n", max_tokens=5
        )
        assert r.choices[0].text is not None


def test_async_client_concurrent_chats(server, reference, base_name):
    async def main() -> list:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as c:
            tasks = [
                c.chat.completions.create(model=base_name, messages=chat(q), max_tokens=40, temperature=0)
                for q in QUESTIONS
            ]
            streamed = await c.chat.completions.create(
                model=base_name, messages=chat(QUESTIONS[0]), max_tokens=40, temperature=0, stream=True
            )
            text = "".join([ch.choices[0].delta.content or "" async for ch in streamed])
            return [*await asyncio.gather(*tasks), text]

    *responses, streamed_text = asyncio.run(main())
    for question, r in zip(QUESTIONS, responses, strict=True):
        want = reference.expected(reference.chat_ids(chat(question)), max_new_tokens=40)
        assert r.choices[0].message.content == want["text"]
    assert streamed_text == responses[0].choices[0].message.content
