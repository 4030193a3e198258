"""Tool calling through the official client, streamed and not, on a model with a Hermes-style
tool template (tests/serving/tool_model.py: it says what its scripts say, so the tests know what
the model wrote and check what the server made of it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.serving.tool_model import arguments, build_tool_model, weather_tools

ASK = [{"role": "user", "content": "What is the weather?"}]
RAW_CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'


@pytest.fixture(scope="module")
def tool_server(tmp_path_factory) -> Iterator[Any]:
    from supportbot.serving.embedded import EmbeddedServer

    folder = build_tool_model(tmp_path_factory.mktemp("tool-model"))
    with EmbeddedServer(str(folder), device="cpu") as srv:
        yield srv


@pytest.fixture
def tc(tool_server) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=tool_server.base_url, api_key="x", max_retries=0, timeout=60) as c:
        yield c


def ask(client: openai.OpenAI, messages: list[dict], **kwargs: Any) -> Any:
    return client.chat.completions.create(model="supportbot", messages=messages, **kwargs)


def streamed(client: openai.OpenAI, messages: list[dict], **kwargs: Any) -> dict:
    """The stream put together: content, tool calls by index, finish reason, and the chunks."""
    chunks = list(ask(client, messages, stream=True, **kwargs))
    content, calls, finishes = "", {}, []
    for chunk in chunks:
        for choice in chunk.choices:
            content += choice.delta.content or ""
            for piece in choice.delta.tool_calls or []:
                call = calls.setdefault(piece.index, {"id": None, "name": None, "arguments": ""})
                if piece.id:
                    assert call["id"] is None, "a call's id comes once"
                    call["id"], call["name"] = piece.id, piece.function.name
                call["arguments"] += piece.function.arguments or ""
            if choice.finish_reason:
                finishes.append(choice.finish_reason)
    return {
        "content": content,
        "calls": [calls[i] for i in sorted(calls)],
        "finish": finishes,
        "chunks": chunks,
    }


def test_a_tool_call_not_streamed(tc):
    r = ask(tc, ASK, tools=weather_tools())
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert arguments(call) == {"city": "Paris"}


def test_a_tool_call_streamed(tc):
    whole = ask(tc, ASK, tools=weather_tools()).choices[0].message.tool_calls[0]
    got = streamed(tc, ASK, tools=weather_tools())
    assert got["content"] == ""  # "<tool" was held back, then turned out to be a call
    assert got["finish"] == ["tool_calls"]
    (call,) = got["calls"]
    assert call["id"].startswith("call_") and call["name"] == "get_weather"
    assert call["arguments"] == whole.function.arguments
    heads = [
        c.choices[0].delta.tool_calls[0] for c in got["chunks"] if c.choices and c.choices[0].delta.tool_calls
    ]
    assert heads[0].type == "function" and heads[0].index == 0 and heads[0].function.arguments == ""


def test_the_conversation_goes_on_after_the_tool_result(tc):
    first = ask(tc, ASK, tools=weather_tools()).choices[0].message
    follow_up = [
        *ASK,
        first.model_dump(exclude_none=True),  # role assistant, content null (left out), tool_calls
        {"role": "tool", "tool_call_id": first.tool_calls[0].id, "content": json.dumps({"sky": "sunny"})},
    ]
    assert "content" not in follow_up[1] and follow_up[1]["tool_calls"]
    r = ask(tc, follow_up, tools=weather_tools())
    assert r.choices[0].message.content == "It is sunny in Paris."
    assert r.choices[0].message.tool_calls is None
    assert r.choices[0].finish_reason == "stop"
    got = streamed(tc, follow_up, tools=weather_tools())
    assert (got["content"], got["calls"], got["finish"]) == ("It is sunny in Paris.", [], ["stop"])


def test_text_before_the_calls_and_parallel_calls(tc):
    rome = [{"role": "user", "content": "The weather in Paris and in Rome?"}]
    r = ask(tc, rome, tools=weather_tools())
    message = r.choices[0].message
    assert message.content == "Checking both."
    assert [arguments(c) for c in message.tool_calls] == [{"city": "Paris"}, {"city": "Rome"}]
    assert len({c.id for c in message.tool_calls}) == 2
    got = streamed(tc, rome, tools=weather_tools())
    assert got["content"] == "Checking both."
    assert [json.loads(c["arguments"]) for c in got["calls"]] == [{"city": "Paris"}, {"city": "Rome"}]
    assert got["finish"] == ["tool_calls"]
    one = ask(tc, rome, tools=weather_tools(), parallel_tool_calls=False).choices[0].message
    assert [arguments(c) for c in one.tool_calls] == [{"city": "Paris"}]


def test_a_block_that_is_not_json_comes_back_as_text(tc):
    atlantis = [{"role": "user", "content": "The weather in Atlantis?"}]
    raw = '<tool_call>{"name": get_weather, "arguments": {"city": Atlantis}}</tool_call>'
    r = ask(tc, atlantis, tools=weather_tools())
    assert r.choices[0].message.content == raw
    assert r.choices[0].message.tool_calls is None and r.choices[0].finish_reason == "stop"
    got = streamed(tc, atlantis, tools=weather_tools())
    assert (got["content"], got["calls"], got["finish"]) == (raw, [], ["stop"])


def test_tool_choice_none_renders_no_tools_and_parses_nothing(tc):
    plain = ask(tc, ASK)
    r = ask(tc, ASK, tools=weather_tools(), tool_choice="none")
    assert r.usage.prompt_tokens == plain.usage.prompt_tokens
    assert ask(tc, ASK, tools=weather_tools()).usage.prompt_tokens > plain.usage.prompt_tokens
    assert r.choices[0].message.content == RAW_CALL  # what the model wrote, unparsed
    assert r.choices[0].message.tool_calls is None


def test_required_and_named_tool_choice(tc):
    for choice in ("required", {"type": "function", "function": {"name": "get_weather"}}):
        r = ask(tc, ASK, tools=weather_tools(), tool_choice=choice)
        assert r.choices[0].message.tool_calls[0].function.name == "get_weather"
        got = streamed(tc, ASK, tools=weather_tools(), tool_choice=choice)
        assert [c["name"] for c in got["calls"]] == ["get_weather"] and got["finish"] == ["tool_calls"]
    # The model calls get_weather whatever it is told: asked for get_time, every attempt fails.
    with pytest.raises(openai.InternalServerError) as err:
        ask(
            tc, ASK, tools=weather_tools(), tool_choice={"type": "function", "function": {"name": "get_time"}}
        )
    assert err.value.body["code"] == "invalid_model_output"
    assert "get_weather, not get_time" in err.value.message
    with pytest.raises(openai.InternalServerError) as err:
        ask(
            tc,
            [{"role": "user", "content": "The weather, in prose?"}],
            tools=weather_tools(),
            tool_choice="required",
        )
    assert "did not call a tool" in err.value.message


@pytest.mark.parametrize(
    ("change", "param", "code"),
    [
        ({"tools": [{"type": "function"}]}, "tools.0.function", None),
        (
            {"tools": [{"type": "function", "function": {"name": "get weather!"}}]},
            "tools.0.function.name",
            None,
        ),
        ({"tools": [{"type": "retrieval", "function": {"name": "x"}}]}, "tools.0.type", None),
        ({"tools": "get_weather"}, "tools", None),
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": []}}]}, None, None),
        ({"tool_choice": "sometimes"}, "tool_choice", None),
        (
            {"tool_choice": {"type": "function", "function": {"name": "get_news"}}},
            "tool_choice.function.name",
            "unknown_tool",
        ),
        ({"tools": weather_tools() + weather_tools()[:1]}, "tools.2.function.name", "duplicate_tool_name"),
        ({"tools": None, "tool_choice": "required"}, "tool_choice", "missing_tools"),
        (
            {"messages": [*ASK, {"role": "tool", "content": "{}"}]},
            "messages.1.tool_call_id",
            "missing_tool_call_id",
        ),
        ({"messages": [{"role": "user", "content": "hi", "tool_calls": []}]}, None, None),
        (
            {"messages": [{"role": "function", "name": "f", "content": "{}"}]},
            "messages.0.role",
            "unsupported_role",
        ),
        ({"response_format": {"type": "xml"}}, "response_format.type", None),
        ({"response_format": {"type": "json_schema"}}, "response_format.json_schema", None),
    ],
)
def test_malformed_tool_requests_are_400(tool_server, change, param, code):
    import httpx

    body = {"model": "supportbot", "messages": ASK, "tools": weather_tools(), **change}
    r = httpx.post(f"{tool_server.base_url}/chat/completions", json=body, timeout=60)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    if param:
        assert error["param"] == param
    if code:
        assert error["code"] == code


def test_a_model_whose_template_ignores_tools_refuses_them(client):
    """The test run's tiny model: its template renders the same prompt with and without tools."""
    with pytest.raises(openai.BadRequestError) as err:
        ask(client, ASK, tools=weather_tools(), max_tokens=3)
    assert err.value.body["code"] == "tools_not_supported" and err.value.body["param"] == "tools"
    # Without asking for calls, the tools are simply not rendered; tool messages reach its template.
    r = ask(client, ASK, tools=weather_tools(), tool_choice="none", max_tokens=3)
    assert r.choices[0].finish_reason in {"stop", "length"}
    history = [*ASK, {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    ]}, {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]  # fmt: skip
    assert ask(client, history, max_tokens=3).choices[0].message.content is not None


AS_JSON = [{"role": "user", "content": "The weather as JSON, please."}]
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "temp": {"type": "integer"}},
    "required": ["city", "temp"],
    "additionalProperties": False,
}


def test_json_response_format_is_checked_and_retried(tc):
    # Greedy, this model's first answer is almost JSON (single quotes); a retry samples the other.
    assert ask(tc, AS_JSON).choices[0].message.content == "{'city': 'Paris'}"
    r = ask(tc, AS_JSON, temperature=0, seed=0, response_format={"type": "json_object"})
    assert json.loads(r.choices[0].message.content) == {"city": "Paris", "temp": 21}
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.completion_tokens > ask(tc, AS_JSON).usage.completion_tokens  # the retry counts
    schema = {"type": "json_schema", "json_schema": {"name": "weather", "schema": WEATHER_SCHEMA}}
    r = ask(tc, AS_JSON, seed=0, response_format=schema)
    assert json.loads(r.choices[0].message.content) == {"city": "Paris", "temp": 21}
    got = streamed(tc, AS_JSON, seed=0, response_format=schema)
    assert json.loads(got["content"]) == {"city": "Paris", "temp": 21} and got["finish"] == ["stop"]


def test_json_that_never_comes_is_a_clear_error(tc):
    with pytest.raises(openai.InternalServerError) as err:
        ask(
            tc,
            [{"role": "user", "content": "The weather in prose?"}],
            response_format={"type": "json_object"},
        )
    assert err.value.body["code"] == "invalid_model_output" and "not JSON" in err.value.message
    humid = {**WEATHER_SCHEMA, "required": ["city", "humidity"]}
    with pytest.raises(openai.InternalServerError) as err:
        ask(
            tc,
            AS_JSON,
            seed=0,
            response_format={"type": "json_schema", "json_schema": {"name": "w", "schema": humid}},
        )
    assert "humidity" in err.value.message
