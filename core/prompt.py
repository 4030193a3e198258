"""The prompt format: one contract between training, serving and the bot.

Two ways to ask a language model:

- chat: role-tagged messages for ``/v1/chat/completions``; the model's chat template formats them.
- completion: one flat prompt string for ``/v1/completions``; the caller owns the format.

Our own default model's chat template *is* the flat format below (``CHAT_TEMPLATE`` renders
exactly what ``render_flat`` does), so for it both modes see the same text. A pretrained model
(Qwen, Llama …) brings its own template for chat, and reads the flat format as plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

ROLES = ("system", "user", "assistant")
END = "<|end|>"
SPECIAL_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>", END]
# Where a completion must stop: the end of its turn, or the start of the customer's next one.
STOP = [END, "<|user|>"]

DEFAULT_SYSTEM = (
    "You are the customer support assistant. Answer the customer's question with the steps "
    "that solve it, briefly and politely."
)

# A Jinja chat template equivalent to render_flat (tests check they agree character for character).
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' + message['content'] + '<|end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)


@dataclass(frozen=True)
class ContextTicket:
    external_id: str
    question: str
    resolution: str


def _ticket_block(tickets: Sequence[ContextTicket]) -> str:
    lines = ["Similar solved tickets:"]
    for t in tickets:
        lines.append(f"[{t.external_id}] Q: {t.question.strip()} A: {t.resolution.strip()}")
    return "\n".join(lines)


def build_messages(
    *,
    question: str | None,
    history: Sequence[tuple[str, str]] = (),
    tickets: Sequence[ContextTicket] = (),
    system: str = DEFAULT_SYSTEM,
) -> list[dict[str, str]]:
    """System turn (with any context tickets), earlier turns, then the new question.

    ``history`` holds (role, text) pairs, oldest first; a human agent's turns count as the
    assistant's, since they speak for the support team.
    """
    system_text = system if not tickets else f"{system}\n\n{_ticket_block(tickets)}"
    messages = [{"role": "system", "content": system_text}]
    for role, text in history:
        messages.append({"role": "user" if role == "user" else "assistant", "content": text})
    if question is not None:
        messages.append({"role": "user", "content": question})
    return messages


def render_flat(messages: Sequence[dict[str, str]], *, add_generation_prompt: bool = True) -> str:
    """The flat completion prompt for ``messages`` (identical to our CHAT_TEMPLATE's output)."""
    parts = []
    for m in messages:
        if m["role"] not in ROLES:
            raise ValueError(f"unknown role {m['role']!r}")
        parts.append(f"<|{m['role']}|>\n{m['content']}{END}\n")
    if add_generation_prompt:
        parts.append("<|assistant|>\n")
    return "".join(parts)


def approx_tokens(text: str) -> int:
    """A cautious token estimate for callers without the tokenizer (the bot talks to any server)."""
    return len(text.encode("utf-8")) // 3 + 4


def trim_history(
    messages: list[dict[str, str]],
    *,
    budget: int,
    count: Callable[[str], int] = approx_tokens,
) -> list[dict[str, str]]:
    """Drop the oldest turns (never the system turn or the last question) until the prompt fits."""
    if not messages:
        return messages
    head, middle, last = messages[:1], list(messages[1:-1]), messages[-1:]

    def size(ms: Sequence[dict[str, str]]) -> int:
        return sum(count(m["content"]) + 4 for m in ms)

    while middle and size(head + middle + last) > budget:
        middle.pop(0)
        # Never start the kept history with an assistant turn that answers a dropped question.
        while middle and middle[0]["role"] == "assistant":
            middle.pop(0)
    return head + middle + last
