"""OpenAI-compatible model server: /v1/completions, /v1/chat/completions, /v1/models.

Layout (after vLLM's ``entrypoints/openai``): ``protocol`` (request/response models),
``serving_chat`` / ``serving_completion`` (the logic: a response, an error or a stream),
for chat ``chat_messages`` (messages and tools through the template), ``chat_output``,
``chat_stream``, ``tools`` + ``tool_parser`` (Hermes-style tool calls), ``json_output``
(``response_format``) and ``checked`` (answers checked and retried);
``app`` (routes as glue, /health, /metrics, admin), ``engine`` (the continuous-batching loop
and what callers ask of it) with its parts after vLLM's engine: ``job`` (the channel between
the HTTP side and the loop's thread), ``scheduler`` (admission, who fails when something does),
``runner`` (forward passes and the batch's KV cache), ``adapters`` (LoRA adapters and model
names), ``outputs`` (tokens to each caller's text), ``sequence``, ``startup_heap`` (kept out of
the garbage collector's full passes while serving); ``sampling``, ``detokenize``, ``loader``,
``metrics``, ``active_version`` (follows the registry's active model version), ``embedded`` (the
server in a thread), ``cli``.

API compatibility:

- Both endpoints take the OpenAI fields by their names: ``prompt`` (string, strings, token ids,
  lists of token ids) / ``messages`` (system, developer = system, user, assistant (with
  ``tool_calls``), tool; text content or text parts), ``max_tokens`` (chat also
  ``max_completion_tokens``), ``temperature``, ``top_p``, ``n``, ``stop`` (up to 4), ``seed``,
  ``stream``, ``stream_options.include_usage``, ``echo`` (completions), ``logprobs``
  (completions: 0-5) / ``logprobs`` + ``top_logprobs`` (chat: 0-20).
- Defaults for ``temperature``/``top_p`` come from the model's generation config (our model: greedy);
  completions default to 16 tokens as in OpenAI; chat defaults to the rest of the context window.
  A prompt that leaves no room in the context window is a 400 saying how long it is; a reply that
  reaches the window's end stops there with ``finish_reason`` "length".
- Chat: ``tools``, ``tool_choice``, ``parallel_tool_calls`` (:mod:`serving.tools`) and
  ``response_format`` (:mod:`serving.json_output`).
- Accepted but ignored: see :mod:`serving.protocol` (penalties, logit_bias, user, ...).
  Unknown fields are logged and ignored. Not supported (a 400): the function role, non-text
  content parts, ``echo`` together with ``logprobs``.
- ``system_fingerprint`` names the model version that answered ("base", an adapter's name, or
  the registry version behind "supportbot").
- Extension: ``ignore_eos`` (as in vLLM).
"""
