"""From a choice's generated text to the assistant message the client gets.

:class:`OutputRules` holds what the request asked of the answer: tool calls to look for
(:mod:`serving.tools`) and a JSON format (:mod:`serving.json_output`). ``finish`` turns the text
into an :class:`Answer` (content, tool calls, finish reason) and says whether it breaks a rule
that must hold — a demanded tool call that is missing, JSON that does not parse or match —
for :mod:`serving.checked` to retry. A message that called tools is not held to the JSON format:
its content is whatever came before the calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from supportbot.serving import common
from supportbot.serving.engine import Engine
from supportbot.serving.job import FinishReason, GeneratedToken
from supportbot.serving.json_output import JsonRule
from supportbot.serving.protocol import (
    ChatFinishReason,
    ChoiceLogprobs,
    TokenLogprob,
    ToolCall,
    ToolCallFunction,
    TopLogprob,
)
from supportbot.serving.tool_parser import new_call_id, parse_tool_calls
from supportbot.serving.tools import ToolPlan


@dataclass(frozen=True)
class Answer:
    content: str | None
    tool_calls: list[ToolCall] | None
    finish_reason: ChatFinishReason


@dataclass(frozen=True)
class OutputRules:
    tools: ToolPlan
    json: JsonRule | None = None

    @property
    def checked(self) -> bool:
        """Whether answers must pass a check (and are generated whole, then retried if not)."""
        return self.tools.required or self.json is not None

    def finish(self, text: str, finish_reason: FinishReason) -> tuple[Answer, str | None]:
        """The answer ``text`` makes, and why it fails the request's demands (None: it does not)."""
        content: str | None = text
        calls = []
        if self.tools.parse:
            parsed = parse_tool_calls(text)
            calls = self.tools.keep(parsed.calls)
            if calls:
                content = parsed.content
        problem = self.tools.problem(calls)
        if problem is None and self.json is not None and not calls:
            content, problem = self.json.check(text)
        if problem is not None and finish_reason == "length":
            problem += " (it ran out of max_tokens)"
        tool_calls = [
            ToolCall(id=new_call_id(), function=ToolCallFunction(name=c.name, arguments=c.arguments))
            for c in calls
        ]
        return Answer(content, tool_calls or None, "tool_calls" if calls else finish_reason), problem


def logprobs(engine: Engine, tokens: list[GeneratedToken]) -> ChoiceLogprobs:
    content = []
    for t in tokens:
        text = engine.token_text(t.id)
        content.append(
            TokenLogprob(
                token=text,
                logprob=t.logprob if t.logprob is not None else -9999.0,
                bytes=common.token_bytes(text),
                top_logprobs=[
                    TopLogprob(token=(s := engine.token_text(i)), logprob=lp, bytes=common.token_bytes(s))
                    for i, lp in t.top
                ],
            )
        )
    return ChoiceLogprobs(content=content, refusal=None)
