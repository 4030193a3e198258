"""POST /v1/chat/completions: messages in, one assistant message (per choice) out.

The model's chat template formats the messages (an adapter may bring its own) and the tools
(:mod:`serving.chat_messages`); a model without one is refused for chat. Answers are searched for
tool calls when tools are offered (:mod:`serving.tool_parser`); answers that must hold a call or
be JSON are generated whole and checked (:mod:`serving.checked`), then sent, streamed or not.
Returns a response object or an SSE stream of chunks; raises APIError.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from supportbot.serving import chat_messages, common
from supportbot.serving.chat_output import OutputRules, logprobs
from supportbot.serving.chat_stream import ChatStreamer
from supportbot.serving.checked import CheckedChoice, generate_checked
from supportbot.serving.engine import Engine
from supportbot.serving.errors import bad_request
from supportbot.serving.json_output import plan_json
from supportbot.serving.protocol import (
    ChatChoice,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ResponseMessage,
)
from supportbot.serving.sampling import SamplingParams
from supportbot.serving.tools import plan_tools


def _params(engine: Engine, request: ChatCompletionRequest, prompt_tokens: int) -> SamplingParams:
    if request.top_logprobs and not request.logprobs:
        raise bad_request("'top_logprobs' needs 'logprobs' set to true.", param="top_logprobs")
    limit = request.max_completion_tokens or request.max_tokens or engine.context_window - prompt_tokens
    return common.sampling(
        engine,
        temperature=request.temperature,
        top_p=request.top_p,
        max_tokens=limit,
        seed=request.seed,
        stop=request.stop,
        logprobs=(request.top_logprobs or 0) if request.logprobs else None,
        ignore_eos=request.ignore_eos,
    )


class ChatServing:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def create(
        self,
        request: ChatCompletionRequest,
        *,
        arrived: float,
        is_disconnected: Callable[[], Awaitable[bool]] | None = None,
    ) -> ChatCompletionResponse | AsyncIterator[str] | None:
        engine = self.engine
        common.note_ignored(request, "chat.completions")
        target = common.resolve(engine, request.model)
        rules = OutputRules(tools=plan_tools(request), json=plan_json(request.response_format))
        messages = chat_messages.template_messages(request.messages)
        tools = rules.tools.tools
        common.check_chars(engine, chat_messages.text_length(messages, tools), param="messages")
        # Templating and tokenizing are CPU work: off the event loop, so /health does not wait.
        prompt = await engine.in_prompt_thread(chat_messages.prompt_ids, engine, target, messages, tools)
        common.check_length(engine, len(prompt), param="messages", what="the messages take")
        n = request.n or 1
        params = _params(engine, request, len(prompt))
        meta: dict[str, Any] = {
            "id": common.new_id("chatcmpl"),
            "created": int(time.time()),
            "model": request.model,
            "system_fingerprint": target.fingerprint,
        }
        include_usage = bool(request.stream_options and request.stream_options.include_usage)
        streamer = ChatStreamer(engine, meta, include_usage=include_usage, rules=rules)
        if rules.checked:
            checked = await generate_checked(
                engine,
                prompt=prompt,
                params=params,
                target=target,
                n=n,
                rules=rules,
                arrived=arrived,
                is_disconnected=is_disconnected,
                meta=meta,
            )
            if checked is None:
                return None
            choices, spent = checked
            if request.stream:
                replay = streamer.replay(choices, len(prompt), spent, want_logprobs=bool(request.logprobs))
                return common.guarded_stream(None, replay)
            return self._response(meta, choices, len(prompt), spent, want_logprobs=bool(request.logprobs))
        job = engine.submit(
            prompts=[prompt], params=params, target=target, n=n, stream=bool(request.stream), arrived=arrived,
            meta=meta,
        )  # fmt: skip
        if request.stream:
            return common.guarded_stream(job, streamer.live(job, len(prompt), n))
        results = await common.collect(job, is_disconnected)
        if results is None:
            return None
        answered = []
        for index in range(n):
            out = results[index]
            # Without a stream, a choice is only heard of once it has finished.
            assert out.finish_reason is not None
            answered.append(CheckedChoice(rules.finish(out.text, out.finish_reason)[0], out))
        completion = sum(r.completion_tokens for r in results.values())
        return self._response(meta, answered, len(prompt), completion, want_logprobs=bool(request.logprobs))

    def _response(
        self,
        meta: dict[str, Any],
        answered: list[CheckedChoice],
        prompt_tokens: int,
        completion: int,
        *,
        want_logprobs: bool,
    ) -> ChatCompletionResponse:
        choices = [
            ChatChoice(
                finish_reason=c.answer.finish_reason,
                index=index,
                message=ResponseMessage(content=c.answer.content, tool_calls=c.answer.tool_calls),
                logprobs=logprobs(self.engine, c.output.tokens) if want_logprobs else None,
            )
            for index, c in enumerate(answered)
        ]
        return ChatCompletionResponse(**meta, choices=choices, usage=common.usage(prompt_tokens, completion))
