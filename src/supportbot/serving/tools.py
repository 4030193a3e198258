"""What a chat request asks of tool calling: which tools go into the prompt, whether the answer
is searched for tool calls, and whether it must contain one.

``tool_choice``: ``none`` leaves the tools out of the prompt and the answer as it is; ``auto``
(the default with tools) renders them and parses the answer; ``required`` and a named function
also demand a call (of a declared function, or of that one), which the answer is checked for
(:mod:`serving.checked`: retried, then a clear error). ``parallel_tool_calls: false`` keeps the
first call of an answer that made several.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supportbot.serving.errors import bad_request
from supportbot.serving.protocol import ChatCompletionRequest, NamedToolChoice
from supportbot.serving.tool_parser import ParsedCall


@dataclass(frozen=True)
class ToolPlan:
    """How tools shape one request's prompt and answers."""

    tools: list[dict[str, Any]] | None = None  # for the chat template; None: none rendered
    names: frozenset[str] = frozenset()
    required: bool = False  # tool_choice "required" or a named function
    named: str | None = None
    single: bool = False  # parallel_tool_calls false

    @property
    def parse(self) -> bool:
        """Whether answers are searched for tool calls."""
        return self.tools is not None

    def problem(self, calls: list[ParsedCall]) -> str | None:
        """Why these calls do not do what tool_choice demands (None: they do)."""
        if not self.required:
            return None
        if not calls:
            return "the model did not call a tool"
        wanted = {self.named} if self.named else self.names
        wrong = sorted({c.name for c in calls} - wanted)
        if wrong:
            return f"the model called {', '.join(wrong)}, not {' or '.join(sorted(wanted))}"
        return None

    def keep(self, calls: list[ParsedCall]) -> list[ParsedCall]:
        return calls[:1] if self.single else calls


def plan_tools(request: ChatCompletionRequest) -> ToolPlan:
    """The request's tools and tool_choice, checked (400s name the parameter)."""
    tools = request.tools or []  # an empty list is no tools, as vLLM takes it
    names: list[str] = [t.function.name for t in tools]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise bad_request(
                f"Tool names must be unique: {name!r} is declared twice.",
                param=f"tools.{i}.function.name",
                code="duplicate_tool_name",
            )
    choice = request.tool_choice
    if choice is None:
        choice = "auto" if tools else "none"
    if not tools and choice != "none" and choice != "auto":
        raise bad_request(
            "'tool_choice' asks for a tool call, but no 'tools' are given.",
            param="tool_choice",
            code="missing_tools",
        )
    named = choice.function.name if isinstance(choice, NamedToolChoice) else None
    if named is not None and named not in names:
        raise bad_request(
            f"'tool_choice' names the function {named!r}, which is not among 'tools' ({', '.join(names)}).",
            param="tool_choice.function.name",
            code="unknown_tool",
        )
    if not tools or choice == "none":
        return ToolPlan()
    return ToolPlan(
        tools=[t.model_dump(mode="json", exclude_none=True) for t in tools],
        names=frozenset(names),
        required=choice == "required" or named is not None,
        named=named,
        single=request.parallel_tool_calls is False,
    )
