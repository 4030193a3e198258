"""What both endpoints share: model lookup, sampling parameters, stop strings, limits, SSE."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from supportbot.serving.adapters import Target
from supportbot.serving.engine import Engine
from supportbot.serving.errors import APIError, bad_request, model_not_found
from supportbot.serving.job import ChoiceOutput, Job, JobFailed
from supportbot.serving.protocol import IGNORED_FIELDS, Usage
from supportbot.serving.sampling import SamplingParams

log = logging.getLogger(__name__)

# Choices one request may ask for (prompts x n): beyond this, one caller would starve the rest.
MAX_CHOICES = 256


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


_warned: set[tuple[str, str]] = set()


def note_ignored(request: BaseModel, endpoint: str) -> None:
    """Unknown fields and fields we accept without honouring them are logged, never fatal
    (a warning the first time a field is seen, then at INFO: a chatty client must not flood the log)."""
    unknown = sorted((request.model_extra or {}).keys())
    ignored = [name for name in IGNORED_FIELDS if getattr(request, name, None) not in (None, False)]
    if unknown:
        new = [name for name in unknown if (endpoint, name) not in _warned]
        _warned.update((endpoint, name) for name in unknown)
        log.log(
            logging.WARNING if new else logging.INFO,
            "%s: unknown field(s) ignored: %s",
            endpoint,
            ", ".join(unknown),
        )
    if ignored:
        log.info("%s: accepted but not supported, ignored: %s", endpoint, ", ".join(ignored))


def resolve(engine: Engine, name: str) -> Target:
    try:
        return engine.resolve(name)
    except KeyError:
        raise model_not_found(name) from None


def stop_strings(stop: str | list[str] | None) -> tuple[str, ...]:
    if stop is None:
        return ()
    items = [stop] if isinstance(stop, str) else stop
    return tuple(s for s in items if s)


def stop_token_ids(engine: Engine, stops: tuple[str, ...]) -> frozenset[int]:
    """Stop strings that are one special token (``<|end|>``) never show up in the decoded text
    (special tokens are skipped there), so they stop on the token id instead."""
    added = getattr(engine.tokenizer, "added_tokens_encoder", {}) or {}
    return frozenset(int(added[s]) for s in stops if s in added)


def check_chars(engine: Engine, chars: int, *, param: str) -> None:
    """Refuse a text that cannot fit the context window however it tokenizes, before tokenizing
    it: no token is longer than the vocabulary's longest, so more characters than the window
    times that length can never fit (an 8 MB prompt used to hold the tokenizer for ~19 s)."""
    limit = engine.max_prompt_chars
    if chars > limit:
        raise bad_request(
            f"This model's maximum context length is {engine.context_window} tokens; the text of "
            f"{param} has {chars} characters, more than can fit in it (at most {limit}).",
            param=param,
            code="context_length_exceeded",
        )


def check_length(engine: Engine, prompt_tokens: int, *, param: str, what: str) -> None:
    limit = engine.context_window
    if prompt_tokens >= limit:
        raise bad_request(
            f"This model's maximum context length is {limit} tokens, but {what} "
            f"{prompt_tokens} tokens (and the reply needs at least 1 more). Shorten {what.split()[0]} {param}.",
            param=param,
            code="context_length_exceeded",
        )


def sampling(
    engine: Engine,
    *,
    temperature: float | None,
    top_p: float | None,
    max_tokens: int,
    seed: int | None,
    stop: str | list[str] | None,
    logprobs: int | None,
    ignore_eos: bool,
) -> SamplingParams:
    stops = stop_strings(stop)
    return SamplingParams(
        max_tokens=max_tokens,
        temperature=engine.default_temperature if temperature is None else float(temperature),
        top_p=engine.default_top_p if top_p is None else float(top_p),
        seed=seed,
        stop=stops,
        stop_token_ids=stop_token_ids(engine, stops),
        ignore_eos=ignore_eos,
        logprobs=logprobs,
    )


def usage(prompt_tokens: int, completion_tokens: int) -> Usage:
    return Usage(
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        total_tokens=prompt_tokens + completion_tokens,
    )


def token_bytes(text: str) -> list[int]:
    return list(text.encode("utf-8", errors="replace"))


def sse(payload: BaseModel | dict[str, Any] | str) -> str:
    if isinstance(payload, str):
        return f"data: {payload}\n\n"
    if isinstance(payload, BaseModel):
        return f"data: {payload.model_dump_json()}\n\n"
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


async def collect(
    job: Job, is_disconnected: Callable[[], Awaitable[bool]] | None = None
) -> dict[int, ChoiceOutput] | None:
    """The final output of every choice; None if the client left first (the job is then stopped)."""
    watcher = None
    if is_disconnected is not None:

        async def watch() -> None:
            while not job.done:
                await asyncio.sleep(0.25)
                if await is_disconnected():
                    job.abort()
                    return

        watcher = asyncio.create_task(watch())
    results: dict[int, ChoiceOutput] = {}
    try:
        async for event in job.events():
            if isinstance(event, JobFailed):
                raise APIError(
                    event.message, status=event.status, type="server_error", code="generation_failed"
                )
            results[event.index] = event
    finally:
        if watcher is not None:
            watcher.cancel()
    if job.aborted:
        return None
    return results


async def guarded_stream(job: Job | None, chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    """An SSE stream that stops its job (if one still runs) when the client goes away, and ends
    with [DONE]."""
    try:
        async for chunk in chunks:
            yield chunk
    except APIError as exc:  # an error after the stream began is an error event, then the end
        yield sse(exc.body())
    except Exception as exc:
        log.exception("stream of request failed")
        yield sse(APIError(f"internal error: {type(exc).__name__}", status=500, type="server_error").body())
    finally:
        if job is not None and not job.done:
            job.abort()
    yield sse("[DONE]")


def failure(event: JobFailed) -> APIError:
    return APIError(event.message, status=event.status, type="server_error", code="generation_failed")
