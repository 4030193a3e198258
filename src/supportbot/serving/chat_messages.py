"""A chat request's messages as the chat template reads them, and the prompt they make.

Messages become the plain dicts transformers' ``apply_chat_template`` takes: ``developer`` is a
system message, text parts are joined, an assistant message's ``tool_calls`` keep their id and
get their ``arguments`` as an object (Hermes/Qwen templates write ``arguments | tojson``; a JSON
string would come out quoted twice — vLLM does the same), a tool message keeps its
``tool_call_id``. Tools go to the template as ``tools=``; a template that ignores them (renders
the same prompt with and without) cannot do tool calling, and a request that needs them is
refused rather than answered as if it had sent none.
"""

from __future__ import annotations

import json
from typing import Any

from supportbot.serving.adapters import Target
from supportbot.serving.engine import Engine
from supportbot.serving.errors import bad_request
from supportbot.serving.protocol import ChatMessage, MessageToolCall

ROLE_NAMES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
}


def _text(m: ChatMessage, param: str) -> str:
    if m.content is None:
        if m.role != "assistant":
            raise bad_request(
                f"A {m.role} message needs content.", param=f"{param}.content", code="missing_content"
            )
        return ""
    if isinstance(m.content, str):
        return m.content
    parts = []
    for j, part in enumerate(m.content):
        if part.type != "text" or part.text is None:
            raise bad_request(
                f"Only text content parts are supported (got type {part.type!r}).",
                param=f"{param}.content.{j}",
                code="unsupported_content",
            )
        parts.append(part.text)
    return "".join(parts)


def _arguments(text: str) -> Any:
    """A call's arguments as the template wants them: the object, when the string is one."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, dict) else text


def _tool_calls(calls: list[MessageToolCall]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "type": "function",
            "function": {"name": c.function.name, "arguments": _arguments(c.function.arguments)},
        }
        for c in calls
    ]


def _message(m: ChatMessage, param: str) -> dict[str, Any]:
    role = ROLE_NAMES.get(m.role)
    if role is None:
        raise bad_request(
            f"Role {m.role!r} is not supported here: use system, developer, user, assistant or tool "
            "(function messages are the deprecated form of tool messages).",
            param=f"{param}.role",
            code="unsupported_role",
        )
    out: dict[str, Any] = {"role": role, "content": _text(m, param)}
    if m.tool_calls is not None and role != "assistant":
        raise bad_request(
            "Only assistant messages carry 'tool_calls'.", param=f"{param}.tool_calls", code="invalid_value"
        )
    if m.tool_calls:
        out["tool_calls"] = _tool_calls(m.tool_calls)
    if role == "tool":
        if not m.tool_call_id:
            raise bad_request(
                "A tool message needs 'tool_call_id': the id of the call it answers.",
                param=f"{param}.tool_call_id",
                code="missing_tool_call_id",
            )
        out["tool_call_id"] = m.tool_call_id
    if m.name is not None:
        out["name"] = m.name
    return out


def template_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    if not messages:
        raise bad_request(
            "'messages' must contain at least one message.", param="messages", code="empty_array"
        )
    return [_message(m, f"messages.{i}") for i, m in enumerate(messages)]


def text_length(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> int:
    """Characters the prompt is made of, counted before templating (see common.check_chars)."""
    chars = sum(len(m["content"]) for m in messages)
    chars += sum(len(json.dumps(m.get("tool_calls", []))) for m in messages if "tool_calls" in m)
    return chars + (len(json.dumps(tools)) if tools else 0)


def _render(tokenizer: Any, target: Target, messages: list[dict[str, Any]], tools: Any) -> str:
    text = tokenizer.apply_chat_template(
        messages, tools=tools, chat_template=target.chat_template, add_generation_prompt=True, tokenize=False
    )
    return str(text)


def prompt_ids(
    engine: Engine, target: Target, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
) -> list[int]:
    """The prompt's token ids (run on a prompt thread: ``engine.in_prompt_thread``)."""
    if target.chat_template is None:
        raise bad_request(
            f"The model `{target.name}` has no chat template, so it cannot do chat completions; "
            "use /v1/completions with a prompt instead.",
            param="model",
            code="no_chat_template",
        )
    tokenizer = engine.prompt_tokenizer  # the prompt thread's own (see Engine.in_prompt_thread)
    try:
        text = _render(tokenizer, target, messages, tools)
        ignores_tools = tools is not None and text == _render(tokenizer, target, messages, None)
        ids = list(tokenizer.encode(text, add_special_tokens=False))
    except Exception as exc:  # a template that raises on these messages, text that cannot be encoded
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise bad_request(
            f"These messages cannot be formatted with the model's chat template: {reason}",
            param="messages",
            code="invalid_messages",
        ) from None
    if ignores_tools:
        raise bad_request(
            f"The model `{target.name}` cannot call tools: its chat template does not render them. "
            "Send the request without 'tools' (or with tool_choice 'none'), or serve a model whose "
            "template takes tools (Hermes/Qwen style).",
            param="tools",
            code="tools_not_supported",
        )
    return ids
