"""Request and response models of the two OpenAI endpoints, in the order of the OpenAI reference.

Requests are validated strictly (no "1" for 1, no true for 1, no NaN): a wrong type is a 400, as
with OpenAI. Fields we do not know are kept aside (``model_extra``), logged and ignored.

Tool calling (``tools``, ``tool_choice``, ``parallel_tool_calls``, tool messages, assistant
messages with ``tool_calls``) and ``response_format`` are honoured (:mod:`serving.tools`,
:mod:`serving.json_output`). Accepted but ignored (they parse, they change nothing):
``frequency_penalty``, ``presence_penalty``, ``logit_bias``, ``user``, ``best_of``, ``suffix``,
``functions``, ``function_call`` (the deprecated forms of tools), ``service_tier``, ``store``,
``metadata``, ``modalities``, ``audio``, ``prediction``, ``reasoning_effort``, ``verbosity``,
``web_search_options``, ``safety_identifier``, ``prompt_cache_key``, ``prompt_cache_retention``,
``stream_options.include_obfuscation``.
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
    "functions",
    "function_call",
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


# The names OpenAI allows for functions and response formats.
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9_-]+$")]
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


class CalledFunction(_Request):
    name: str
    arguments: str


class MessageToolCall(_Request):
    """A call an assistant message made earlier in the conversation."""

    id: str
    type: Literal["function"]
    function: CalledFunction


class ChatMessage(_Request):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[MessageToolCall] | None = None  # assistant
    tool_call_id: str | None = None  # tool


class FunctionDefinition(_Request):
    name: Name
    description: str | None = None
    parameters: dict[str, Any] | None = None  # a JSON Schema; none: no parameters
    strict: bool | None = None


class ChatTool(_Request):
    type: Literal["function"]
    function: FunctionDefinition


class FunctionName(_Request):
    name: str


class NamedToolChoice(_Request):
    type: Literal["function"]
    function: FunctionName


ToolChoice = Literal["none", "auto", "required"] | NamedToolChoice


class JsonSchemaFormat(_Request):
    name: Name
    description: str | None = None
    # "schema" would shadow a BaseModel attribute: the field has another name, the wire the same.
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None


class ResponseFormat(_Request):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None


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
    response_format: ResponseFormat | None = None
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
    tools: list[ChatTool] | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
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


def _absent(value: Any) -> bool:
    return value is None


class ToolCallFunction(_Response):
    name: str
    arguments: str  # JSON, as a string


class ToolCall(_Response):
    id: str
    type: Literal["function"] = "function"
    function: ToolCallFunction


ChatFinishReason = Literal["stop", "length", "tool_calls"]


class ResponseMessage(_Response):
    content: str | None
    refusal: str | None = None
    role: Literal["assistant"] = "assistant"
    # Left out unless the model called a tool, as OpenAI does.
    tool_calls: list[ToolCall] | None = Field(default=None, exclude_if=_absent)


class ChatChoice(_Response):
    finish_reason: ChatFinishReason
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


class DeltaFunction(_Response):
    name: str | None = Field(default=None, exclude_if=_absent)
    arguments: str | None = Field(default=None, exclude_if=_absent)


class DeltaToolCall(_Response):
    """A piece of a streamed tool call: the first carries id, type and name, the next ones
    pieces of the arguments; ``index`` says which call of the message it belongs to."""

    index: int
    id: str | None = Field(default=None, exclude_if=_absent)
    type: Literal["function"] | None = Field(default=None, exclude_if=_absent)
    function: DeltaFunction | None = Field(default=None, exclude_if=_absent)


class Delta(_Response):
    content: str | None = None
    role: Literal["assistant"] | None = None
    tool_calls: list[DeltaToolCall] | None = Field(default=None, exclude_if=_absent)


class ChatChunkChoice(_Response):
    delta: Delta
    logprobs: ChoiceLogprobs | None = None
    finish_reason: ChatFinishReason | None = None
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
