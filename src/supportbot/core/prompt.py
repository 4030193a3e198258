"""The prompt format: one contract between training, serving and the bot.

Two ways to ask a language model:

- chat: role-tagged messages for ``/v1/chat/completions``; the model's chat template formats them.
- completion: one flat prompt string for ``/v1/completions``; the caller owns the format.

Our own default model's chat template *is* the flat format below (``CHAT_TEMPLATE`` renders
exactly what ``render_flat`` does), so for it both modes see the same text. A pretrained model
(Qwen, Llama …) brings its own template for chat, and reads the flat format as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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


# What the model says when none of the tickets fits the question (trained on examples whose
# tickets are unrelated); the bot hands such a question over instead of sending the sentence.
CANNOT_HELP = (
    "I'm sorry, I can't find this in our past cases, so I've asked a member of our support team to help."
)
TICKETS_HEADER = "Similar solved tickets:"


@dataclass(frozen=True)
class ContextTicket:
    """A retrieved ticket as the model reads it (identifiers generalised: ``core.identifiers``)."""

    external_id: str
    question: str
    resolution: str

    @classmethod
    def from_hit(cls, hit: Any, *, stated: frozenset[str]) -> ContextTicket:
        """A search hit (anything with external_id, question, resolution) as every prompt shows
        it, in training and in the bot alike: another customer's order numbers and amounts
        become this customer's placeholders, but the amounts in ``stated`` (the team's prices:
        ``context_tickets``)."""
        from supportbot.core.identifiers import generalise

        return cls(
            hit.external_id,
            generalise(hit.question, stated=stated),
            generalise(hit.resolution, stated=stated),
        )


def context_tickets(hits: Iterable[Any], *, stated: frozenset[str] | None = None) -> list[ContextTicket]:
    """The tickets of a prompt as it shows them (``ContextTicket.from_hit``), in training, in the
    evaluation and in the bot alike. The amounts at least two of them state alike stay as written
    (``core.identifiers.stated_amounts``: a price, a fee, what the team tells everyone who asks),
    so the model can say them; one past customer's refund stays "<AMOUNT>". ``stated``: those
    amounts, when worked out already (from the prompt's tickets: ``hits`` may be more of them)."""
    from supportbot.core.identifiers import stated_amounts

    hits = list(hits)
    if stated is None:
        stated = stated_amounts(h.resolution for h in hits)
    return [ContextTicket.from_hit(h, stated=stated) for h in hits]


def _clip(text: str, limit: int, count: Callable[[str], int]) -> str:
    """``text`` cut at a word boundary to at most ``limit`` tokens (by ``count``), marked with …"""
    text = " ".join(text.split())
    if count(text) <= limit:
        return text
    words = text.split(" ")
    lo, hi = 0, len(words)
    while lo < hi:  # the most words that fit
        mid = (lo + hi + 1) // 2
        if count(" ".join(words[:mid]) + " …") <= limit:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo]) + " …"


def ticket_block(
    tickets: Sequence[ContextTicket],
    *,
    budget: int | None = None,
    count: Callable[[str], int] | None = None,
) -> str:
    """The tickets as the system turn carries them, one line each::

        Similar solved tickets:
        [T-10314] Q: <the customer's question> A: <how it was solved>

    With a ``budget`` (in ``approx_tokens``, a cautious estimate that needs no tokenizer), each
    ticket gets an equal share of it: its question and resolution are clipped at a word boundary,
    the resolution keeping the larger part.
    """
    count = count or approx_tokens
    lines = [TICKETS_HEADER]
    share = budget // len(tickets) if budget and tickets else None
    for t in tickets:
        question, resolution = t.question.strip(), t.resolution.strip()
        if share is not None:
            overhead = count(f"[{t.external_id}] Q:  A: ")
            room = max(8, share - overhead)
            question = _clip(question, max(4, room // 3), count)
            resolution = _clip(resolution, max(4, room - count(question)), count)
        lines.append(f"[{t.external_id}] Q: {question} A: {resolution}")
    return "\n".join(lines)


def build_messages(
    *,
    question: str | None,
    history: Sequence[tuple[str, str]] = (),
    tickets: Sequence[ContextTicket] = (),
    system: str = DEFAULT_SYSTEM,
    ticket_budget: int | None = None,
) -> list[dict[str, str]]:
    """System turn (with any context tickets), earlier turns, then the new question.

    ``history`` holds (role, text) pairs, oldest first; a human agent's turns count as the
    assistant's, since they speak for the support team. The same function builds the prompt for
    training, evaluation and the bot, so all three show the model the same thing.
    """
    # The budget is counted with approx_tokens on both sides (training and the bot, which may talk
    # to any server): the same tickets are always clipped the same way.
    block = ticket_block(tickets, budget=ticket_budget) if tickets else ""
    system_text = f"{system}\n\n{block}" if block else system
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


_SENTENCE_END = re.compile(r"[.!?…](?:[\"')\]]*)(?=\s|$)")


def complete_sentences(text: str) -> str:
    """The part of a text still being written that ends at its last finished sentence (one that
    something followed already): what ``end_on_sentence`` can never cut away."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if m.end() < len(text)]
    return text[: ends[-1]] if ends else ""


def end_on_sentence(text: str, *, min_chars: int = 40) -> str:
    """A reply cut off at the token cap, ended at its last complete sentence (kept whole when
    that would leave less than ``min_chars``: better a cut sentence than next to nothing)."""
    text = text.rstrip()
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends or ends[-1] == len(text):
        return text
    cut = text[: ends[-1]].rstrip()
    return cut if len(cut) >= min_chars else text
