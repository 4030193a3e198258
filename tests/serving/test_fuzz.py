"""1,000 randomly malformed requests: never a 5xx, always OpenAI's error shape, and the server
keeps answering."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CHAT = {"model": "supportbot", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
COMPLETION = {"model": "supportbot", "prompt": "hi", "max_tokens": 2}

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2, 3, 5, 21, 129, 2**31, 2**63, -(2**63) - 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([-0.5, 0.0, 1e-9, 2.0000001, 1e308]),
    st.text(max_size=30),
    st.sampled_from(["", "supportbot", "alpha", "base", "\ud800", "<|end|>", "\x00", "💥" * 5]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=12,
)
messages = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "role": st.sampled_from(
                ["system", "user", "assistant", "developer", "tool", "function", "robot", ""]
            )
            | json_values,
            "content": st.text(max_size=40)
            | json_values
            | st.lists(
                st.fixed_dictionaries(
                    {"type": st.sampled_from(["text", "image_url", "x"]), "text": json_values}
                )
            ),
            "name": json_values,
        },
    ),
    max_size=4,
)
FIELDS = [
    "model",
    "messages",
    "prompt",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "n",
    "stop",
    "seed",
    "stream",
    "stream_options",
    "logprobs",
    "top_logprobs",
    "echo",
    "best_of",
    "logit_bias",
    "tools",
    "presence_penalty",
    "user",
    "unknown_field",
]


@st.composite
def mutated(draw: Any) -> tuple[str, bytes, dict[str, str]]:
    path = draw(st.sampled_from(["/v1/chat/completions", "/v1/completions"]))
    body: dict[str, Any] = dict(CHAT if path.endswith("chat/completions") else COMPLETION)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        field = draw(st.sampled_from(FIELDS))
        action = draw(st.sampled_from(["set", "set", "delete"]))
        if action == "delete":
            body.pop(field, None)
        elif field == "messages":
            body[field] = draw(messages | json_values)
        elif field == "prompt":
            body[field] = draw(
                json_values
                | st.lists(st.integers(min_value=-5, max_value=2**40), max_size=6)
                | st.lists(st.text(max_size=20), max_size=4)
            )
        else:
            body[field] = draw(json_values)
    # Keep generations short: fuzzing is about parsing, not about waiting for tokens.
    if isinstance(body.get("max_tokens"), int) and body["max_tokens"] > 4:
        body["max_tokens"] = draw(st.sampled_from([body["max_tokens"], 3]))
    raw = json.dumps(body).encode()
    kind = draw(st.sampled_from(["json"] * 6 + ["truncated", "garbage", "not-object"]))
    if kind == "truncated":
        raw = raw[: draw(st.integers(min_value=0, max_value=max(0, len(raw) - 1)))]
    elif kind == "garbage":
        raw = draw(st.binary(max_size=64))
    elif kind == "not-object":
        raw = json.dumps(draw(json_values)).encode()
    headers = {
        "Content-Type": draw(
            st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"])
        )
    }
    return path, raw, headers


def check(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
    elif response.headers.get("content-type", "").startswith("text/event-stream"):
        lines = [line for line in response.text.splitlines() if line]
        assert lines[-1] == "data: [DONE]"
        assert not any('"error"' in line and "server_error" in line for line in lines), response.text[:300]
    else:
        assert "choices" in response.json()


def test_random_malformed_requests(server, engine):
    with httpx.Client(base_url=server.url, timeout=60) as http:

        @settings(
            max_examples=1000,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(case=mutated())
        def one(case: tuple[str, bytes, dict[str, str]]) -> None:
            path, raw, headers = case
            check(http.post(path, content=raw, headers=headers))

        one()
        assert engine.alive
        good = http.post("/v1/chat/completions", json=CHAT)
        assert good.status_code == 200 and good.json()["choices"][0]["message"]["role"] == "assistant"
        assert http.get("/health").json()["status"] == "ok"
