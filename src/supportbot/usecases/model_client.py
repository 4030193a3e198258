"""The language model behind the bot, reached through the official `openai` client.

Any OpenAI-compatible endpoint works: our own server (`supportbot serve`) or vLLM. Both API styles
are supported: chat (messages to /v1/chat/completions) and completion (the flat prompt to
/v1/completions); the prompt mode setting picks one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from supportbot.core.errors import ModelUnavailable
from supportbot.core.prompt import STOP, render_flat

if TYPE_CHECKING:
    from supportbot.core.settings import Settings


@dataclass(frozen=True)
class Completion:
    text: str
    mode: str
    model: str
    version: str | None  # the server's system_fingerprint: which model version answered
    mean_logprob: float | None
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int


class ModelClient:
    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        mode: str = "chat",
        api_key: str | None = None,
        timeout_s: float = 30.0,
        retries: int = 1,
        max_tokens: int = 160,
    ) -> None:
        from openai import OpenAI

        self.model, self.mode, self.max_tokens, self.timeout_s = model, mode, max_tokens, timeout_s
        self._client = OpenAI(
            base_url=base_url, api_key=api_key or "none", timeout=timeout_s, max_retries=retries
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelClient:
        return cls(
            base_url=settings.model_base_url,
            model=settings.model_name,
            mode=settings.prompt_mode,
            api_key=settings.secret("api_key"),
            timeout_s=settings.model_timeout_s,
            retries=settings.model_retries,
            max_tokens=settings.max_answer_tokens,
        )

    def warm_up(self, *, timeout_s: float = 5.0) -> bool:
        """Ask for one token, once, to load what the first real call would load lazily (the
        client's modules and response models, a pooled connection); True when the endpoint
        answered. Never raises and never retries: the model may well be starting up too."""
        try:
            self.complete(
                [{"role": "user", "content": "Hello"}], max_tokens=1, timeout_s=timeout_s, retries=0
            )
            return True
        except Exception:
            return False

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        max_tokens: int | None = None,
        timeout_s: float | None = None,
        retries: int | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Completion:
        """One greedy answer with token log-probabilities; ModelUnavailable when it cannot be had.

        With ``on_text`` the answer is streamed (``stream=True``) and each piece of text is handed
        to it as it arrives, on this thread; the Completion at the end is the same."""
        import httpx
        import openai

        started = time.perf_counter()
        client = self._client
        if timeout_s is not None or retries is not None:
            options: dict[str, Any] = {}
            if timeout_s is not None:
                options["timeout"] = timeout_s
            if retries is not None:
                options["max_retries"] = retries
            client = client.with_options(**options)
        max_tokens = self.max_tokens if max_tokens is None else max_tokens
        try:
            if on_text is not None:
                text, logprobs, finish, usage, fingerprint = _stream(
                    client,
                    mode=self.mode,
                    model=self.model,
                    messages=messages,
                    max_tokens=max_tokens,
                    on_text=on_text,
                    deadline=started + (timeout_s or self.timeout_s),
                )
            elif self.mode == "completion":
                text, logprobs, finish, usage, fingerprint = _complete_text(
                    client, model=self.model, messages=messages, max_tokens=max_tokens
                )
            else:
                text, logprobs, finish, usage, fingerprint = _complete_chat(
                    client, model=self.model, messages=messages, max_tokens=max_tokens
                )
        except (openai.APIError, httpx.HTTPError) as exc:
            # httpx's own errors: a stream that breaks half way is not wrapped by openai.
            raise ModelUnavailable(f"the model endpoint failed: {type(exc).__name__}: {exc}") from exc
        values = [lp for lp in logprobs if lp is not None]
        return Completion(
            text=text.strip(),
            mode=self.mode,
            model=self.model,
            version=fingerprint,
            mean_logprob=sum(values) / len(values) if values else None,
            finish_reason=finish,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            latency_ms=int((time.perf_counter() - started) * 1000),
        )

    def pick_tool(
        self, messages: Sequence[dict[str, str]], tools: list[dict[str, Any]]
    ) -> tuple[str, dict[str, Any]] | None:
        """The first tool call the model makes for ``messages`` given OpenAI ``tools``: (name,
        arguments); None when it calls none. ModelUnavailable when the endpoint fails."""
        import json

        import httpx
        import openai

        client: Any = self._client
        try:
            resp = client.chat.completions.create(
                model=self.model, messages=list(messages), tools=tools, tool_choice="auto",
                max_tokens=self.max_tokens, temperature=0,
            )  # fmt: skip
        except (openai.APIError, httpx.HTTPError) as exc:
            raise ModelUnavailable(f"the model endpoint failed: {type(exc).__name__}: {exc}") from exc
        for call in resp.choices[0].message.tool_calls or []:
            function = getattr(call, "function", None)
            if function is None:
                continue
            try:
                arguments = json.loads(function.arguments or "{}")
            except ValueError:
                arguments = {}
            return function.name, arguments if isinstance(arguments, dict) else {}
        return None


# (text, token log-probs, finish reason, usage, system fingerprint) of one greedy answer.
_Answer = tuple[str, list[float | None], str | None, Any, str | None]


def _complete_text(
    client: Any, *, model: str, messages: Sequence[dict[str, str]], max_tokens: int
) -> _Answer:
    """/v1/completions: the flat prompt in, its continuation out (the caller owns the format)."""
    resp = client.completions.create(
        model=model, prompt=render_flat(messages), max_tokens=max_tokens, temperature=0, stop=STOP, logprobs=1
    )
    choice = resp.choices[0]
    logprobs = list(choice.logprobs.token_logprobs or []) if choice.logprobs else []
    return choice.text, logprobs, choice.finish_reason, resp.usage, getattr(resp, "system_fingerprint", None)


def _complete_chat(
    client: Any, *, model: str, messages: Sequence[dict[str, str]], max_tokens: int
) -> _Answer:
    """/v1/chat/completions: the messages in, the assistant's reply out (the chat template owns
    the format)."""
    resp = client.chat.completions.create(
        model=model, messages=list(messages), max_tokens=max_tokens, temperature=0, logprobs=True
    )
    choice = resp.choices[0]
    logprobs = [t.logprob for t in (choice.logprobs.content or [])] if choice.logprobs else []
    return (
        choice.message.content or "",
        list(logprobs),
        choice.finish_reason,
        resp.usage,
        getattr(resp, "system_fingerprint", None),
    )


def _stream(
    client: Any,
    *,
    mode: str,
    model: str,
    messages: Sequence[dict[str, str]],
    max_tokens: int,
    on_text: Callable[[str], None],
    deadline: float,
) -> _Answer:
    """Either API style with ``stream=True``: the pieces go to ``on_text`` as they arrive, the
    answer is put together from them (usage from the last chunk: ``include_usage``). The
    client's timeout holds per chunk: ``deadline`` (perf_counter) holds for the whole answer."""
    options = {
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if mode == "completion":
        chunks = client.completions.create(
            model=model, prompt=render_flat(messages), stop=STOP, logprobs=1, **options
        )
    else:
        chunks = client.chat.completions.create(
            model=model, messages=list(messages), logprobs=True, **options
        )
    parts: list[str] = []
    logprobs: list[float | None] = []
    finish: str | None = None
    usage: Any = None
    fingerprint: str | None = None
    for chunk in chunks:
        if time.perf_counter() > deadline:
            chunks.close()
            raise ModelUnavailable("the model took longer than its timeout to answer")
        usage = chunk.usage or usage
        fingerprint = getattr(chunk, "system_fingerprint", None) or fingerprint
        for choice in chunk.choices:
            if mode == "completion":
                piece = choice.text or ""
                logprobs += list(choice.logprobs.token_logprobs or []) if choice.logprobs else []
            else:
                piece = choice.delta.content or "" if choice.delta else ""
                logprobs += [t.logprob for t in (choice.logprobs.content or [])] if choice.logprobs else []
            finish = choice.finish_reason or finish
            if piece:
                parts.append(piece)
                on_text(piece)
    return "".join(parts), logprobs, finish, usage, fingerprint
