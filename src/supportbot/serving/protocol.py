"""Request and response models of the two OpenAI endpoints, in the order of the OpenAI reference.

Requests are validated strictly (no "1" for 1, no true for 1, no NaN): a wrong type is a 400, as
with OpenAI. Fields we do not know are kept aside (``model_extra``), logged and ignored.

Accepted but ignored (they parse, they change nothing): ``frequency_penalty``,
``presence_penalty``, ``logit_bias``, ``user``, ``best_of``, ``suffix``, ``tools``,
``tool_choice``, ``parallel_tool_calls``, ``functions``, ``function_call``, ``response_format``,
``service_tier``, ``store``, ``metadata``, ``modalities``, ``audio``, ``prediction``,
``reasoning_effort``, ``verbosity``, ``web_search_options``, ``safety_identifier``,
``prompt_cache_key``, ``prompt_cache_retention``, ``stream_options.include_obfuscation``.
Extension (as in vLLM): ``ignore_eos`` generates past the end-of-turn token (benchmarks).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# Fields that parse but do nothing here (see the module docstring); logged when set.
IGNORED_FIELDS = (
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "user",
    "best_of",
    "suffix",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "functions",
    "function_call",
    "response_format",
    "service_tier",
    "store",
    "metadata",
    "modalities",
    "audio",
    "prediction",
    "reasoning_effort",
    "verbosity",
    "web_search_options",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
)


class _Request(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", allow_inf_nan=False)


class StreamOptions(_Request):
    include_usage: bool | None = None
    include_obfuscation: bool | None = None


Stop = str | Annotated[list[str], Field(min_length=1, max_length=4)] | None
Penalty = Annotated[float | None, Field(ge=-2, le=2)]
Seed = Annotated[int | None, Field(ge=INT64_MIN, le=INT64_MAX)]


class CompletionRequest(_Request):
    """POST /v1/completions (CreateCompletionRequest)."""

    model: str
    prompt: str | list[str] | list[int] | list[list[int]] | None
    best_of: Annotated[int | None, Field(ge=0, le=20)] = None
    echo: bool | None = False
    frequency_penalty: Penalty = None
    logit_bias: dict[str, Any] | None = None
    logprobs: Annotated[int | None, Field(ge=0, le=5)] = None
    max_tokens: Annotated[int | None, Field(ge=0)] = 16
    n: Annotated[int | None, Field(ge=1, le=128)] = 1
    presence_penalty: Penalty = None
    seed: Seed = None
    stop: Stop = None
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    suffix: str | None = None
    temperature: Annotated[float | None, Field(ge=0, le=2)] = None
    top_p: Annotated[float | None, Field(ge=0, le=1)] = None
    user: str | None = None
    ignore_eos: bool = False


class ContentPart(_Request):
    type: str
    text: str | None = None


class ChatMessage(_Request):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None


class ChatCompletionRequest(_Request):
    """POST /v1/chat/completions (CreateChatCompletionRequest)."""

    messages: list[ChatMessage]
    model: str
    metadata: Any = None
    top_logprobs: Annotated[int | None, Field(ge=0, le=20)] = None
    temperature: Annotated[float | None, Field(ge=0, le=2)] = None
    top_p: Annotated[float | None, Field(ge=0, le=1)] = None
    user: Any = None
    safety_identifier: Any = None
    prompt_cache_key: Any = None
    prompt_cache_retention: Any = None
    service_tier: Any = None
    modalities: Any = None
    verbosity: Any = None
    reasoning_effort: Any = None
    max_completion_tokens: Annotated[int | None, Field(ge=1)] = None
    frequency_penalty: Penalty = None
    presence_penalty: Penalty = None
    web_search_options: Any = None
    response_format: Any = None
    audio: Any = None
    store: Any = None
    moderation: Any = None
    stream: bool | None = False
    stop: Stop = None
    logit_bias: Any = None
    logprobs: bool | None = False
    max_tokens: Annotated[int | None, Field(ge=1)] = None
    n: Annotated[int | None, Field(ge=1, le=128)] = 1
    prediction: Any = None
    seed: Seed = None
    stream_options: StreamOptions | None = None
    tools: Any = None
    tool_choice: Any = None
    parallel_tool_calls: Any = None
    function_call: Any = None
    functions: Any = None
    ignore_eos: bool = False


# --- responses ---------------------------------------------------------------------------------


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Usage(_Response):
    completion_tokens: int
    prompt_tokens: int
    total_tokens: int


class TopLogprob(_Response):
    token: str
    logprob: float
    bytes: list[int] | None


class TokenLogprob(_Response):
    token: str
    logprob: float
    bytes: list[int] | None
    top_logprobs: list[TopLogprob]


class ChoiceLogprobs(_Response):
    content: list[TokenLogprob] | None
    refusal: list[TokenLogprob] | None = None


class ResponseMessage(_Response):
    content: str | None
    refusal: str | None = None
    role: Literal["assistant"] = "assistant"


class ChatChoice(_Response):
    finish_reason: Literal["stop", "length"]
    index: int
    message: ResponseMessage
    logprobs: ChoiceLogprobs | None = None


class ChatCompletionResponse(_Response):
    id: str
    choices: list[ChatChoice]
    created: int
    model: str
    system_fingerprint: str
    object: Literal["chat.completion"] = "chat.completion"
    usage: Usage


class Delta(_Response):
    content: str | None = None
    role: Literal["assistant"] | None = None


class ChatChunkChoice(_Response):
    delta: Delta
    logprobs: ChoiceLogprobs | None = None
    finish_reason: Literal["stop", "length"] | None = None
    index: int


class ChatCompletionChunk(_Response):
    id: str
    choices: list[ChatChunkChoice]
    created: int
    model: str
    system_fingerprint: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    usage: Usage | None = None


class CompletionLogprobs(_Response):
    text_offset: list[int]
    token_logprobs: list[float]
    tokens: list[str]
    top_logprobs: list[dict[str, float]]


class CompletionChoice(_Response):
    finish_reason: Literal["stop", "length"] | None
    index: int
    logprobs: CompletionLogprobs | None = None
    text: str


class CompletionResponse(_Response):
    """Both the whole response and each stream chunk (the completions stream uses one shape)."""

    id: str
    choices: list[CompletionChoice]
    created: int
    model: str
    system_fingerprint: str
    object: Literal["text_completion"] = "text_completion"
    usage: Usage | None = None


class ModelCard(_Response):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "supportbot"
    root: str | None = None
    parent: str | None = None


class ModelList(_Response):
    object: Literal["list"] = "list"
    data: list[ModelCard]
