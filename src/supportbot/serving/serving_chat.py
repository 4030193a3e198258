"""POST /v1/chat/completions: messages in, one assistant message (per choice) out.

The model's chat template formats the messages (an adapter may bring its own); a model without
one is refused for chat. Returns a response object or an SSE stream of chunks; raises APIError.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from supportbot.serving import common
from supportbot.serving.adapters import Target
from supportbot.serving.engine import Engine
from supportbot.serving.errors import bad_request
from supportbot.serving.job import ChoiceOutput, GeneratedToken, Job, JobFailed
from supportbot.serving.protocol import (
    ChatChoice,
    ChatChunkChoice,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ChatMessage,
    ChoiceLogprobs,
    Delta,
    ResponseMessage,
    TokenLogprob,
    TopLogprob,
)

ROLE_NAMES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


def _messages(messages: list[ChatMessage]) -> list[dict[str, str]]:
    if not messages:
        raise bad_request(
            "'messages' must contain at least one message.", param="messages", code="empty_array"
        )
    out = []
    for i, m in enumerate(messages):
        param = f"messages.{i}"
        role = ROLE_NAMES.get(m.role)
        if role is None:
            raise bad_request(
                f"Role {m.role!r} is not supported here (no tool calling): use system, user or assistant.",
                param=f"{param}.role",
                code="unsupported_role",
            )
        if m.content is None:
            if role != "assistant":
                raise bad_request(
                    f"A {m.role} message needs content.", param=f"{param}.content", code="missing_content"
                )
            text = ""
        elif isinstance(m.content, str):
            text = m.content
        else:
            parts = []
            for j, part in enumerate(m.content):
                if part.type != "text" or part.text is None:
                    raise bad_request(
                        f"Only text content parts are supported (got type {part.type!r}).",
                        param=f"{param}.content.{j}",
                        code="unsupported_content",
                    )
                parts.append(part.text)
            text = "".join(parts)
        out.append({"role": role, "content": text})
    return out


def _prompt_ids(engine: Engine, target: Target, messages: list[dict[str, str]]) -> list[int]:
    if target.chat_template is None:
        raise bad_request(
            f"The model `{target.name}` has no chat template, so it cannot do chat completions; "
            "use /v1/completions with a prompt instead.",
            param="model",
            code="no_chat_template",
        )
    try:
        tokenizer = engine.prompt_tokenizer  # the prompt thread's own (see Engine.in_prompt_thread)
        text = tokenizer.apply_chat_template(
            messages, chat_template=target.chat_template, add_generation_prompt=True, tokenize=False
        )
        return list(tokenizer.encode(text, add_special_tokens=False))
    except Exception as exc:  # a template that raises on these messages, text that cannot be encoded
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise bad_request(
            f"These messages cannot be formatted with the model's chat template: {reason}",
            param="messages",
            code="invalid_messages",
        ) from None


def _logprobs(engine: Engine, tokens: list[GeneratedToken]) -> ChoiceLogprobs:
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
        messages = _messages(request.messages)
        common.check_chars(engine, sum(len(m["content"]) for m in messages), param="messages")
        # Templating and tokenizing are CPU work: off the event loop, so /health does not wait.
        prompt = await engine.in_prompt_thread(_prompt_ids, engine, target, messages)
        common.check_length(engine, len(prompt), param="messages", what="the messages take")
        n = request.n or 1
        if request.top_logprobs and not request.logprobs:
            raise bad_request("'top_logprobs' needs 'logprobs' set to true.", param="top_logprobs")
        limit = request.max_completion_tokens or request.max_tokens or engine.context_window - len(prompt)
        params = common.sampling(
            engine,
            temperature=request.temperature,
            top_p=request.top_p,
            max_tokens=limit,
            seed=request.seed,
            stop=request.stop,
            logprobs=(request.top_logprobs or 0) if request.logprobs else None,
            ignore_eos=request.ignore_eos,
        )
        job = engine.submit(
            prompts=[prompt], params=params, target=target, n=n, stream=bool(request.stream), arrived=arrived
        )
        meta: dict[str, Any] = {
            "id": common.new_id("chatcmpl"),
            "created": int(time.time()),
            "model": request.model,
            "system_fingerprint": target.fingerprint,
        }
        if request.stream:
            include_usage = bool(request.stream_options and request.stream_options.include_usage)
            return common.guarded_stream(job, self._stream(job, meta, len(prompt), n, include_usage))
        results = await common.collect(job, is_disconnected)
        if results is None:
            return None
        choices = []
        for index in range(n):
            out = results[index]
            # Without a stream, a choice is only heard of once it has finished.
            assert out.finish_reason is not None
            choices.append(
                ChatChoice(
                    finish_reason=out.finish_reason,
                    index=index,
                    message=ResponseMessage(content=out.text),
                    logprobs=_logprobs(engine, out.tokens) if request.logprobs else None,
                )
            )
        completion = sum(r.completion_tokens for r in results.values())
        return ChatCompletionResponse(**meta, choices=choices, usage=common.usage(len(prompt), completion))

    async def _stream(
        self, job: Job, meta: dict[str, Any], prompt_tokens: int, n: int, include_usage: bool
    ) -> AsyncIterator[str]:
        want_logprobs = job.params.logprobs is not None

        def chunk(choices: list[ChatChunkChoice]) -> str:
            body = ChatCompletionChunk(**meta, choices=choices)
            exclude = None if include_usage else {"usage"}
            return f"data: {body.model_dump_json(exclude=exclude)}\n\n"

        for index in range(n):
            yield chunk([ChatChunkChoice(delta=Delta(role="assistant", content=""), index=index)])
        completion = 0
        async for event in job.events():
            if isinstance(event, JobFailed):
                raise common.failure(event)
            assert isinstance(event, ChoiceOutput)
            if event.text or event.tokens:
                logprobs = _logprobs(self.engine, event.tokens) if want_logprobs else None
                yield chunk(
                    [ChatChunkChoice(delta=Delta(content=event.text), logprobs=logprobs, index=event.index)]
                )
            if event.finish_reason is not None:
                completion += event.completion_tokens
                yield chunk(
                    [ChatChunkChoice(delta=Delta(), finish_reason=event.finish_reason, index=event.index)]
                )
        if include_usage:
            body = ChatCompletionChunk(**meta, choices=[], usage=common.usage(prompt_tokens, completion))
            yield common.sse(body)
