"""POST /v1/completions: prompt(s) in, continuations out; the caller owns the format.

A prompt is a string, a list of strings, a list of token ids or a list of those; each gets ``n``
choices, numbered prompt by prompt. Returns a response or an SSE stream; raises APIError.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from supportbot.serving import common
from supportbot.serving.engine import Engine
from supportbot.serving.errors import bad_request
from supportbot.serving.job import ChoiceOutput, GeneratedToken, Job, JobFailed
from supportbot.serving.protocol import (
    CompletionChoice,
    CompletionLogprobs,
    CompletionRequest,
    CompletionResponse,
)


def _prompts(engine: Engine, prompt: Any) -> list[list[int]]:
    if prompt is None:
        raise bad_request(
            "Missing required parameter: 'prompt'.", param="prompt", code="missing_required_parameter"
        )
    if isinstance(prompt, str):
        items: list[Any] = [prompt]
    elif prompt and all(isinstance(p, int) for p in prompt):
        items = [prompt]
    else:
        items = list(prompt)
    if not items:
        raise bad_request("'prompt' must not be an empty list.", param="prompt", code="empty_array")
    out = []
    for i, item in enumerate(items):
        param = "prompt" if len(items) == 1 else f"prompt.{i}"
        if isinstance(item, str):
            common.check_chars(engine, len(item), param=param)
            try:
                ids = list(engine.prompt_tokenizer.encode(item))
            except Exception as exc:
                raise bad_request(
                    f"The prompt cannot be tokenized: {exc}", param=param, code="invalid_prompt"
                ) from None
        else:
            ids = list(item)
            bad = next((t for t in ids if not 0 <= t < engine.vocab_size), None)
            if bad is not None:
                raise bad_request(
                    f"Token id {bad} is outside the vocabulary (0 to {engine.vocab_size - 1}).",
                    param=param,
                    code="invalid_token",
                )
        if not ids:
            raise bad_request(
                "The prompt is empty: give at least one token.", param=param, code="empty_prompt"
            )
        common.check_length(engine, len(ids), param=param, what="the prompt has")
        out.append(ids)
    return out


def _logprobs(engine: Engine, tokens: list[GeneratedToken], *, shift: int = 0) -> CompletionLogprobs:
    top = []
    for t in tokens:
        entry = {engine.token_text(i): lp for i, lp in t.top}
        entry.setdefault(engine.token_text(t.id), t.logprob if t.logprob is not None else -9999.0)
        top.append(entry)
    return CompletionLogprobs(
        text_offset=[t.offset + shift for t in tokens],
        token_logprobs=[t.logprob if t.logprob is not None else -9999.0 for t in tokens],
        tokens=[engine.token_text(t.id) for t in tokens],
        top_logprobs=top,
    )


class CompletionServing:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def create(
        self,
        request: CompletionRequest,
        *,
        arrived: float,
        is_disconnected: Callable[[], Awaitable[bool]] | None = None,
    ) -> CompletionResponse | AsyncIterator[str] | None:
        engine = self.engine
        common.note_ignored(request, "completions")
        target = common.resolve(engine, request.model)
        # Tokenizing is CPU work: off the event loop, so /health and other requests do not wait.
        prompts = await engine.in_prompt_thread(_prompts, engine, request.prompt)
        n = request.n or 1
        if len(prompts) * n > common.MAX_CHOICES:
            raise bad_request(
                f"Too many choices: {len(prompts)} prompt(s) x n={n} is more than {common.MAX_CHOICES}.",
                param="n",
            )
        if request.echo and request.logprobs is not None:
            raise bad_request(
                "'echo' together with 'logprobs' is not supported.", param="echo", code="unsupported"
            )
        params = common.sampling(
            engine,
            temperature=request.temperature,
            top_p=request.top_p,
            max_tokens=16 if request.max_tokens is None else request.max_tokens,
            seed=request.seed,
            stop=request.stop,
            logprobs=request.logprobs,
            ignore_eos=request.ignore_eos,
        )
        meta: dict[str, Any] = {
            "id": common.new_id("cmpl"),
            "created": int(time.time()),
            "model": request.model,
            "system_fingerprint": target.fingerprint,
        }
        job = engine.submit(
            prompts=prompts, params=params, target=target, n=n, stream=bool(request.stream), arrived=arrived,
            meta=meta,
        )  # fmt: skip
        echoes = [engine.tokenizer.decode(p) if request.echo else "" for p in prompts]
        prompt_tokens = sum(len(p) for p in prompts)
        if request.stream:
            include_usage = bool(request.stream_options and request.stream_options.include_usage)
            return common.guarded_stream(job, self._stream(job, meta, echoes, prompt_tokens, include_usage))
        results = await common.collect(job, is_disconnected)
        if results is None:
            return None
        choices = []
        for index in range(len(prompts) * n):
            out = results[index]
            choices.append(
                CompletionChoice(
                    finish_reason=out.finish_reason,
                    index=index,
                    logprobs=_logprobs(engine, out.tokens) if request.logprobs is not None else None,
                    text=echoes[index // n] + out.text,
                )
            )
        completion = sum(r.completion_tokens for r in results.values())
        return CompletionResponse(**meta, choices=choices, usage=common.usage(prompt_tokens, completion))

    async def _stream(
        self, job: Job, meta: dict[str, Any], echoes: list[str], prompt_tokens: int, include_usage: bool
    ) -> AsyncIterator[str]:
        n = job.n
        want_logprobs = job.params.logprobs is not None

        def chunk(choice: CompletionChoice) -> str:
            body = CompletionResponse(**meta, choices=[choice])
            return f"data: {body.model_dump_json(exclude=None if include_usage else {'usage'})}\n\n"

        if any(echoes):
            for index in range(len(echoes) * n):
                yield chunk(CompletionChoice(finish_reason=None, index=index, text=echoes[index // n]))
        completion = 0
        async for event in job.events():
            if isinstance(event, JobFailed):
                raise common.failure(event)
            assert isinstance(event, ChoiceOutput)
            if event.finish_reason is not None:
                completion += event.completion_tokens
            if event.text or event.tokens or event.finish_reason is not None:
                logprobs = _logprobs(self.engine, event.tokens) if want_logprobs else None
                yield chunk(
                    CompletionChoice(
                        finish_reason=event.finish_reason,
                        index=event.index,
                        logprobs=logprobs,
                        text=event.text,
                    )
                )
        if include_usage:
            yield common.sse(
                CompletionResponse(**meta, choices=[], usage=common.usage(prompt_tokens, completion))
            )
