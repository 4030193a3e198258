"""The chat stream: server-sent chunks in OpenAI's shape (``chat.completion.chunk``).

Live (:meth:`ChatStreamer.live`): each choice's text as it is generated. With tools, content
goes through a :class:`~serving.tool_parser.ContentStream` (text that may begin a tool call is
held), and at the end of a choice its tool calls go out the way OpenAI streams them: per call,
a chunk with its ``index``, ``id``, ``type`` and function ``name`` (arguments ""), then a chunk
with its arguments; the finish reason is then ``tool_calls``.

Replayed (:meth:`ChatStreamer.replay`): answers that were checked before anything was sent
(:mod:`serving.checked`) go out as a stream of the same shape, each in a few chunks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from supportbot.serving import common
from supportbot.serving.chat_output import OutputRules, logprobs
from supportbot.serving.checked import CheckedChoice
from supportbot.serving.engine import Engine
from supportbot.serving.job import ChoiceOutput, FinishReason, Job, JobFailed
from supportbot.serving.protocol import (
    ChatChunkChoice,
    ChatCompletionChunk,
    ChatFinishReason,
    ChoiceLogprobs,
    Delta,
    DeltaFunction,
    DeltaToolCall,
    ToolCall,
)
from supportbot.serving.tool_parser import ContentStream


class ChatStreamer:
    def __init__(
        self, engine: Engine, meta: dict[str, Any], *, include_usage: bool, rules: OutputRules
    ) -> None:
        self.engine = engine
        self.meta = meta
        self.include_usage = include_usage
        self.rules = rules

    # --- chunks -----------------------------------------------------------------------------------

    def _chunk(self, index: int, delta: Delta, **fields: Any) -> str:
        body = ChatCompletionChunk(**self.meta, choices=[ChatChunkChoice(delta=delta, index=index, **fields)])
        exclude = None if self.include_usage else {"usage"}
        return f"data: {body.model_dump_json(exclude=exclude)}\n\n"

    def _role(self, index: int) -> str:
        return self._chunk(index, Delta(role="assistant", content=""))

    def _content(self, index: int, text: str, lp: ChoiceLogprobs | None = None) -> str:
        return self._chunk(index, Delta(content=text), logprobs=lp)

    def _finish(self, index: int, reason: ChatFinishReason) -> str:
        return self._chunk(index, Delta(), finish_reason=reason)

    def _calls(self, index: int, calls: list[ToolCall]) -> list[str]:
        out = []
        for i, call in enumerate(calls):
            head = DeltaToolCall(
                index=i,
                id=call.id,
                type="function",
                function=DeltaFunction(name=call.function.name, arguments=""),
            )
            out.append(self._chunk(index, Delta(tool_calls=[head])))
            body = DeltaToolCall(index=i, function=DeltaFunction(arguments=call.function.arguments))
            out.append(self._chunk(index, Delta(tool_calls=[body])))
        return out

    def _usage(self, prompt_tokens: int, completion: int) -> str:
        body = ChatCompletionChunk(**self.meta, choices=[], usage=common.usage(prompt_tokens, completion))
        return common.sse(body)

    # --- live -------------------------------------------------------------------------------------

    async def live(self, job: Job, prompt_tokens: int, n: int) -> AsyncIterator[str]:
        want_logprobs = job.params.logprobs is not None
        texts = {index: ContentStream() for index in range(n)} if self.rules.tools.parse else None
        for index in range(n):
            yield self._role(index)
        completion = 0
        async for event in job.events():
            if isinstance(event, JobFailed):
                raise common.failure(event)
            assert isinstance(event, ChoiceOutput)
            text = texts[event.index].feed(event.text) if texts is not None else event.text
            if text or event.tokens:
                lp = logprobs(self.engine, event.tokens) if want_logprobs else None
                yield self._content(event.index, text, lp)
            if event.finish_reason is not None:
                completion += event.completion_tokens
                if texts is None:
                    yield self._finish(event.index, event.finish_reason)
                else:
                    for chunk in self._ending(event.index, texts[event.index], event.finish_reason):
                        yield chunk
        if self.include_usage:
            yield self._usage(prompt_tokens, completion)

    def _ending(self, index: int, text: ContentStream, reason: FinishReason) -> list[str]:
        """A parsed choice's last chunks: held content, or its tool calls; then its finish."""
        answer, _ = self.rules.finish(text.text, reason)
        rest = text.finish(calls=bool(answer.tool_calls))
        out = [self._content(index, rest)] if rest else []
        out += self._calls(index, answer.tool_calls or [])
        out.append(self._finish(index, answer.finish_reason))
        return out

    # --- replayed ---------------------------------------------------------------------------------

    async def replay(
        self, choices: list[CheckedChoice], prompt_tokens: int, completion: int, *, want_logprobs: bool
    ) -> AsyncIterator[str]:
        for index, choice in enumerate(choices):
            yield self._role(index)
            answer = choice.answer
            if answer.content:
                lp = logprobs(self.engine, choice.output.tokens) if want_logprobs else None
                yield self._content(index, answer.content, lp)
            for chunk in self._calls(index, answer.tool_calls or []):
                yield chunk
            yield self._finish(index, answer.finish_reason)
        if self.include_usage:
            yield self._usage(prompt_tokens, completion)
