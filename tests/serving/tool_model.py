"""A tiny chat model with a Hermes-style tool template that says what a test wrote for it.

Tool calling is about what the server does with a model's text: render the tools into the prompt,
find ``<tool_call>`` blocks in the answer, stream them. A trained model this small would call a
tool only by chance, so this one is built by hand — a real transformers Llama, loaded and run by
the server like any other model, whose weights spell out scripts:

- The tokenizer is byte-level with no merges (any text encodes), plus one added token per piece
  of a script, so a script is a fixed sequence of tokens.
- Each token's embedding is one-hot and the layer adds nothing to it except the attention: the
  queries and keys are zero, so every position attends to the whole prefix alike, and the values
  carry a "flag" for each trigger token (``<tool_response>``, ``Rome`` …). The output is the
  prefix's mean: a trigger anywhere in the conversation shows at the last position.
- ``lm_head`` is a table: each piece's next piece (a bigram), and at the end of the generation
  prompt the first piece of the script of the trigger present (the default script without one).

So "What is the weather?" makes it call ``get_weather``, and once a ``<tool_response>`` is in
the conversation it answers in words. A step with several next pieces has them equally likely:
greedy takes the first, sampling either (how the tests reach a checked retry).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

IM_START, IM_END, PAD = "<|im_start|>", "<|im_end|>", "<|pad|>"
END = IM_END  # in a script: the end of the turn

# Qwen2.5's template (the Hermes tool format vLLM's `hermes` parser reads), trimmed of nothing
# that matters here: tools go into the system turn, tool calls and results are XML-tagged JSON.
HERMES_TEMPLATE = (
    "{%- if tools %}"
    "{{- '<|im_start|>system\\n' }}"
    "{%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}"
    "{{- '# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n"
    "You are provided with function signatures within <tools></tools> XML tags:\\n<tools>' }}"
    "{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}"
    "{{- '\\n</tools>\\n\\nFor each function call, return a json object with function name and "
    "arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n"
    '{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n\' }}'
    "{%- elif messages[0].role == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message.role == 'user' or (message.role == 'system' and not loop.first)"
    " or (message.role == 'assistant' and not message.tool_calls) %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- elif message.role == 'assistant' %}"
    "{{- '<|im_start|>' + message.role }}"
    "{%- if message.content %}{{- '\\n' + message.content }}{%- endif %}"
    "{%- for tool_call in message.tool_calls %}"
    "{%- if tool_call.function is defined %}{%- set tool_call = tool_call.function %}{%- endif %}"
    '{{- \'\\n<tool_call>\\n{"name": "\' + tool_call.name + \'", "arguments": \' }}'
    "{{- tool_call.arguments | tojson }}{{- '}\\n</tool_call>' }}"
    "{%- endfor %}"
    "{{- '<|im_end|>\\n' }}"
    "{%- elif message.role == 'tool' %}"
    "{%- if loop.index0 == 0 or messages[loop.index0 - 1].role != 'tool' %}"
    "{{- '<|im_start|>user' }}{%- endif %}"
    "{{- '\\n<tool_response>\\n' + message.content + '\\n</tool_response>' }}"
    "{%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif %}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

PARIS = {"city": "Paris"}
ROME = {"city": "Rome"}

# trigger (None: no trigger in the conversation) -> the script: its pieces in order; a tuple is
# a step with several equally likely pieces. Pieces are tokens: a piece used by two scripts must
# be followed by the same piece in both.
SCRIPTS: dict[str | None, list[str | tuple[str, ...]]] = {
    # One call, no text before it; "<tool" and "_call>" are separate tokens, so a stream must
    # hold "<tool" back until it knows.
    None: [
        "<tool",
        "_call>\n",
        '{"name": "get_weather", ',
        '"arguments": {"city": "Paris"}}',
        "\n</tool_call>",
    ],
    # After a tool result: a plain answer.
    "<tool_response>": ["It is sunny", " in Paris."],
    # Text, then two calls.
    "Rome": [
        "Checking both.",
        "\n<tool_call>\n",
        '{"name": "get_weather", "arguments": {"city": "Paris"}}',
        "\n</tool_call>\n<tool_call>\n",
        '{"name": "get_weather", "arguments": {"city": "Rome"}}',
        "\n</tool_call>",
    ],
    # A block whose JSON is broken: it must come back as text.
    "Atlantis": ["<tool_call>", '{"name": get_weather, "arguments": {"city": Atlantis}}', "</tool_call>"],
    # JSON, or (greedy's pick: listed first) not quite JSON.
    "as JSON": [("{'city': 'Paris'}", '{"city": "Paris", "temp": 21}')],
    # Never JSON.
    "in prose": ["Sunny and warm."],
}
TRIGGERS = [t for t in SCRIPTS if t is not None]


def _pieces() -> list[str]:
    seen: dict[str, None] = {}
    for script in SCRIPTS.values():
        for step in script:
            for piece in step if isinstance(step, tuple) else (step,):
                seen.setdefault(piece)
    return [p for p in seen if p not in TRIGGERS]


def _transitions() -> dict[str, list[str]]:
    """piece -> the pieces that may follow it (END for the end of the turn)."""
    out: dict[str, list[str]] = {}
    for script in SCRIPTS.values():
        steps = [s if isinstance(s, tuple) else (s,) for s in script] + [(END,)]
        for here, after in itertools.pairwise(steps):
            for piece in here:
                known = out.setdefault(piece, list(after))
                assert known == list(after), f"{piece!r} is followed by {known} and by {list(after)}"
    return out


def build_tool_model(out: Path) -> Path:
    """Write the model and its tokenizer (with the Hermes template) to ``out``."""
    import torch
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    tok = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(alphabet)}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([PAD, IM_START, IM_END])
    tok.add_tokens([AddedToken(t, normalized=False) for t in [*TRIGGERS, *_pieces()]])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token=IM_END, pad_token=PAD, clean_up_tokenization_spaces=False
    )
    tokenizer.chat_template = HERMES_TEMPLATE

    def token(text: str) -> int:
        ids = tokenizer.encode(text, add_special_tokens=False)
        assert len(ids) == 1, (text, ids)
        return ids[0]

    vocab = len(tokenizer)
    flags = {trigger: vocab + k for k, trigger in enumerate(TRIGGERS)}
    hidden = (vocab + len(flags) + 7) // 8 * 8
    config = LlamaConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        intermediate_size=8,
        num_hidden_layers=1,
        num_attention_heads=1,
        num_key_value_heads=1,
        head_dim=hidden,
        max_position_embeddings=4096,
        tie_word_embeddings=False,
        rms_norm_eps=1e-6,
        eos_token_id=token(IM_END),
        pad_token_id=token(PAD),
        bos_token_id=None,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        for norm in (model.model.norm, model.model.layers[0].input_layernorm):
            norm.weight.fill_(1.0)
        model.model.layers[0].post_attention_layernorm.weight.fill_(1.0)
        model.model.embed_tokens.weight[:, :vocab] = torch.eye(vocab)
        attention = model.model.layers[0].self_attn
        for trigger, dim in flags.items():
            # The normed one-hot input is sqrt(hidden) at its token: each trigger adds 100 to
            # its flag, divided (attention's mean) by the length of the conversation.
            attention.v_proj.weight[dim, token(trigger)] = 100.0 / hidden**0.5
            attention.o_proj.weight[dim, dim] = 1.0
        head = model.lm_head.weight
        for piece, after in _transitions().items():
            for nxt in after:
                head[token(nxt), token(piece)] = 10.0
        # The end of the generation prompt: the default script, unless a trigger's flag rules it
        # (and every other script) out.
        newline = token("\n")
        firsts = {t: SCRIPTS[t][0] for t in SCRIPTS}
        for trigger, first in firsts.items():
            for piece in first if isinstance(first, tuple) else (first,):
                head[token(piece), newline] = 10.0 if trigger is None else 9.0
                for other, dim in flags.items():
                    if other != trigger:
                        head[token(piece), dim] = -1000.0
    model.generation_config.eos_token_id = [token(IM_END)]
    model.generation_config.do_sample = False
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def weather_tools() -> list[dict]:
    return [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "The weather in a city now.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "get_time",
                "description": "The local time in a city.",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        },
    ]


def arguments(call: object) -> dict:
    """A tool call's arguments (a JSON string on the wire), parsed."""
    return json.loads(call.function.arguments)  # type: ignore[attr-defined]
