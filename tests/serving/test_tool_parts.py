"""The parts of tool calling and JSON output on their own: the Hermes parser, the streamed
content's hold-back, and the schema check used when the jsonschema package is not installed."""

from __future__ import annotations

import json

import pytest

from supportbot.serving.json_output import JsonRule, schema_problem
from supportbot.serving.tool_parser import ContentStream, ParsedCall, parse_tool_calls

CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
PARIS = ParsedCall("get_weather", json.dumps({"city": "Paris"}))


@pytest.mark.parametrize(
    ("text", "content", "calls"),
    [
        ("Just words.", "Just words.", []),
        (CALL, None, [PARIS]),
        ("Let me look.\n\n" + CALL, "Let me look.", [PARIS]),
        (
            CALL + "\n" + CALL.replace("Paris", "Rome") + "\nbye",
            None,
            [PARIS, ParsedCall("get_weather", '{"city": "Rome"}')],
        ),
        (CALL.removesuffix("\n</tool_call>"), None, [PARIS]),  # cut short before its end tag
        (
            '<tool_call>{"name": "f", "arguments": "{\\"a\\": 1}"}</tool_call>',
            None,
            [ParsedCall("f", '{"a": 1}')],
        ),
        ('<tool_call>{"name": "f"}</tool_call>', None, [ParsedCall("f", "{}")]),
        ('<tool_call>{"name": f}</tool_call>', '<tool_call>{"name": f}</tool_call>', []),
        ('<tool_call>{"arguments": {}}</tool_call>', '<tool_call>{"arguments": {}}</tool_call>', []),
        (
            '<tool_call>{"name": "f", "arguments": [1]}</tool_call>',
            '<tool_call>{"name": "f", "arguments": [1]}</tool_call>',
            [],
        ),
        ("x" + CALL + "<tool_call>{oops}</tool_call>", "x" + CALL + "<tool_call>{oops}</tool_call>", []),
    ],
)
def test_hermes_parsing(text, content, calls):
    parsed = parse_tool_calls(text)
    assert (parsed.content, parsed.calls) == (content, calls)


@pytest.mark.parametrize(
    "text",
    [
        "Hello there.",
        "Let me look. " + CALL,
        CALL,
        "a <tool? no. <to",
        "x" + CALL + "<tool_call>{oops}</tool_call>",
        "  \n",
    ],
)
def test_streamed_content_is_the_unstreamed_content(text):
    """Fed one character at a time, the content sent equals the content of the whole answer,
    and nothing that became part of a call was ever sent."""
    stream = ContentStream()
    sent = "".join(stream.feed(ch) for ch in text)
    parsed = parse_tool_calls(text)
    sent += stream.finish(calls=bool(parsed.calls))
    assert sent == (parsed.content or "")
    assert "<tool_call" not in sent or not parsed.calls


def test_a_possible_start_of_a_call_is_held_until_decided():
    stream = ContentStream()
    assert stream.feed("Hi <tool") == "Hi"
    assert stream.feed("box>") == " <toolbox>"
    assert stream.feed(" <tool_") == ""
    assert stream.feed("call>{") == ""


def test_json_rule():
    assert JsonRule().check(' {"a": 1} ') == ('{"a": 1}', None)
    assert JsonRule().check('```json\n{"a": 1}\n```') == ('{"a": 1}', None)
    assert JsonRule().check("[1]")[1] == "the answer is JSON but not an object"
    assert "not JSON" in (JsonRule().check("{'a': 1}")[1] or "")
    rule = JsonRule(schema={"type": "object", "required": ["a"]})
    assert rule.check('{"a": 1}')[1] is None and "'a'" in (rule.check('{"b": 1}')[1] or "")


PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}, "maxItems": 2},
        "role": {"enum": ["admin", "user"]},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
    "$defs": {"tag": {"type": "string"}},
}


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"name": "Ann", "age": 3, "tags": ["a"], "role": "user", "note": None}, None),
        ({"name": "Ann", "age": 3.0}, None),
        ({"name": "Ann"}, "$: missing required 'age'"),
        ({"name": "", "age": 3}, "$.name"),
        ({"name": "Ann", "age": True}, "$.age"),
        ({"name": "Ann", "age": -1}, "$.age"),
        ({"name": "Ann", "age": 3, "tags": ["a", 1]}, "$.tags[1]"),
        ({"name": "Ann", "age": 3, "tags": ["a", "b", "c"]}, "$.tags"),
        ({"name": "Ann", "age": 3, "role": "root"}, "$.role"),
        ({"name": "Ann", "age": 3, "note": 5}, "$.note"),
        ({"name": "Ann", "age": 3, "extra": 1}, "unexpected property 'extra'"),
        (["Ann"], "$: expected object"),
    ],
)
def test_schema_problem(value, where):
    problem = schema_problem(value, PERSON)
    if where is None:
        assert problem is None
    else:
        assert problem is not None and where in problem
