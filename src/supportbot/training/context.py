"""Retrieved tickets for training examples: the model learns to answer from what the bot shows it.

At answer time the bot puts the tickets retrieval found for the question into the prompt. So every
training conversation gets, in its system turn, the tickets retrieval returns for its first
question, with two rules that keep the lesson honest:

- a conversation never sees its own ticket, nor an exact duplicate of it (same question or same
  answer): it must learn to use a similar case, not to copy its own answer back;
- a share of conversations (``unrelated_share``) gets tickets of other categories only, and learns
  to say it cannot help (``core.prompt.CANNOT_HELP``) instead of answering from memory: the
  answer the bot should give when nothing in the history fits.

The tickets keep retrieval's order, as the bot shows them: the first is the closest, and the
model learns what that is worth.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from supportbot.core.identifiers import AMOUNT_RE, Masker, amount_key, generalise, stated_amounts
from supportbot.core.pii import redact_text
from supportbot.core.prompt import (
    CANNOT_HELP,
    DEFAULT_SYSTEM,
    TICKETS_HEADER,
    ContextTicket,
    build_messages,
    context_tickets,
)
from supportbot.training.data import Conversation, normalise


@dataclass
class TicketSettings:
    k: int = 3
    budget: int = 240  # approx_tokens for all tickets together (core.prompt.ticket_block)
    unrelated_share: float = 0.08
    seed: int = 0
    # A share of the examples whose customer wording is thinned out (``thinned``): the answer must
    # then come from the tickets, not from a wording seen in training. New customers word things
    # in ways no training conversation did; a small model that learned to answer from the
    # wording alone writes a muddle of procedures for them.
    thin_share: float = 0.0


@dataclass
class Grounded:
    """A conversation as it is trained on: its messages (maybe replaced) and its tickets."""

    conversation: Conversation
    tickets: list[ContextTicket]
    unrelated: bool = False


@dataclass
class GroundingStats:
    conversations: int = 0
    own_tickets_left_out: int = 0
    unrelated: int = 0
    without_tickets: int = 0
    thinned: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversations": self.conversations,
            "own_tickets_left_out": self.own_tickets_left_out,
            "unrelated": self.unrelated,
            "without_tickets": self.without_tickets,
            "thinned": self.thinned,
        }


@functools.lru_cache(maxsize=65536)
def _key(text: str) -> str:
    """Text compared for duplicates: redacted as stored tickets are, identifiers generalised (a
    conversation's are masked as <ORDER_ID>, <ORDER_ID_2>…, a ticket's are raw), normalised."""
    return normalise(_NUMBERED.sub(r"<\1>", generalise(redact_text(text))))


_NUMBERED = re.compile(r"<(ORDER_ID|AMOUNT)_\d+>")


def is_own(hit: Any, conversation: Conversation) -> bool:
    """The conversation's own ticket, or an exact duplicate of it (the same customer message under
    another id). A ticket with the same resolution to another question is kept: that is a macro,
    the similar solved case the bot is shown at answer time, and the model must learn to use it."""
    if hit.external_id == conversation.id:
        return True
    question = conversation.first_question
    return bool(question and _key(hit.question) == _key(question))


def ground(
    conversations: Sequence[Conversation],
    *,
    retriever: Any,
    settings: TicketSettings,
    pool: Sequence[Any] | None = None,
    progress: bool = False,
) -> tuple[list[Grounded], GroundingStats]:
    """Each conversation with the tickets retrieval gives its first question (see the module doc).

    ``pool``: tickets to draw unrelated ones from (default: every hit retrieved here).
    """
    rng = random.Random(settings.seed)
    stats = GroundingStats(conversations=len(conversations))
    questions = [c.first_question or "" for c in conversations]
    # A few spare hits: some are the conversation's own ticket and are left out.
    hits = retriever.search_many(questions, k=settings.k + 4, progress=progress)
    every = {h.external_id: h for row in hits for h in row}
    candidates = list(pool) if pool is not None else list(every.values())
    out: list[Grounded] = []
    for conversation, row in zip(conversations, hits, strict=True):
        kept = [h for h in row if not is_own(h, conversation)]
        stats.own_tickets_left_out += len(row) - len(kept)
        kept = kept[: settings.k]
        if not kept:
            stats.without_tickets += 1
            out.append(Grounded(conversation, []))
            continue
        if candidates and rng.random() < settings.unrelated_share:
            near = {h.category for h in row[:3]}
            others = [t for t in candidates if t.category not in near]
            if len(others) >= settings.k:
                stats.unrelated += 1
                picked = rng.sample(others, settings.k)
                first = conversation.messages[0]
                cannot = Conversation(
                    conversation.id,
                    [first, {"role": "assistant", "content": CANNOT_HELP}],
                    conversation.source,
                    conversation.meta,
                )
                out.append(Grounded(cannot, context_tickets(picked), unrelated=True))
                continue
        if settings.thin_share and rng.random() < settings.thin_share:
            conversation = thinned(conversation, rng)
            stats.thinned += 1
        out.append(Grounded(conversation, context_tickets(kept)))
    return out, stats


def stating(messages: list[dict[str, str]], amounts: dict[str, str]) -> list[dict[str, str]]:
    """The training chat ``messages`` with the prices its system turn shows as written (the
    amounts its tickets state alike: core.prompt.context_tickets, as the budget left them) put
    back into the agent's reply to the first question (the one the tickets were retrieved for),
    from what ``data.clean`` masked (``amounts``: ``meta["amounts"]``). The model learns to say a
    price its prompt gives, and only one it gives: a price clipped out of the prompt stays
    "<AMOUNT>" in the reply, as every other amount does. Later replies keep theirs masked: in a
    thread the bot masks its own earlier answers as history (usecases.answer), and a later
    "<AMOUNT>" is filled from them."""
    system = messages[0]["content"]
    block = system[system.index(TICKETS_HEADER) :] if TICKETS_HEADER in system else ""  # not the instructions
    shown = {amount_key(m.group(0)) for m in AMOUNT_RE.finditer(block)}
    prices = Masker(values={name: value for name, value in amounts.items() if amount_key(value) in shown})
    if not prices.values:
        return messages
    first = next((i for i, m in enumerate(messages) if m["role"] == "user"), len(messages))
    reply = next((i for i in range(first + 1, len(messages)) if messages[i]["role"] == "assistant"), None)
    if reply is None:
        return messages
    said = {**messages[reply], "content": prices.unmask(messages[reply]["content"])[0]}
    return [*messages[:reply], said, *messages[reply + 1 :]]


THIN_KEEP = 0.5  # the share of the first question's words a thinned example keeps


def thinned(conversation: Conversation, rng: random.Random) -> Conversation:
    """The conversation with about half the words of its first question left out (in order; at
    least three kept)."""
    messages = [dict(m) for m in conversation.messages]
    first = next((m for m in messages if m["role"] == "user"), None)
    if first is None:
        return conversation
    words = first["content"].split()
    if len(words) > 3:
        kept = [w for w in words if rng.random() < THIN_KEEP]
        first["content"] = " ".join(kept if len(kept) >= 3 else words[:3])
    return Conversation(conversation.id, messages, conversation.source, conversation.meta)


def grounded_chat(
    grounded: Grounded, *, budget: int | None, system: str = DEFAULT_SYSTEM
) -> list[dict[str, str]]:
    """The training conversation as the bot would prompt it: its tickets in the system turn, and
    the prices they show said in the first reply (``stating``)."""
    c = grounded.conversation
    messages = build_messages(
        question=None,
        history=[(m["role"], m["content"]) for m in c.messages],
        tickets=grounded.tickets,
        ticket_budget=budget,
        system=system,
    )
    return stating(messages, c.meta.get("amounts") or {})


def without_tickets(conversations: Sequence[Conversation]) -> list[Grounded]:
    return [Grounded(c, []) for c in conversations]


def ground_or_plain(
    conversations: Sequence[Conversation],
    *,
    retriever: Any | None,
    settings: TicketSettings,
    progress: bool = False,
) -> tuple[list[Grounded], GroundingStats | None]:
    """``ground`` when there are tickets to put into prompts (k > 0 and an index), else plain."""
    if retriever is None or settings.k <= 0 or not conversations:
        return without_tickets(conversations), None
    return ground(conversations, retriever=retriever, settings=settings, progress=progress)


@dataclass
class Tickets:
    """Each question's retrieved tickets (``tickets_for``) and what the evaluation reads off them."""

    hits: list[list[Any]]  # the retrieved hits themselves, best first

    @functools.cached_property
    def stated(self) -> list[frozenset[str]]:
        """The amounts each question's retrieved tickets state alike (core.identifiers)."""
        return [stated_amounts(h.resolution for h in row) for row in self.hits]

    @property
    def contexts(self) -> list[list[ContextTicket]]:
        """Each question's retrieved tickets, generalised (what the checks read)."""
        return [
            context_tickets(row, stated=stated) for row, stated in zip(self.hits, self.stated, strict=True)
        ]

    @property
    def tops(self) -> list[Any]:
        """The top hit of each, or None."""
        return [row[0] if row else None for row in self.hits]

    @property
    def closest(self) -> list[float | None]:
        """The best similarity among each question's tickets (usecases.decide.closest)."""
        return [max((float(h.score) for h in row), default=None) for row in self.hits]

    def prompts(self, k: int) -> list[list[ContextTicket]] | None:
        """The tickets each question's prompt gets, its first ``k`` (None when k is 0), as the bot
        builds them: the prices those k state alike as written (core.prompt.context_tickets)."""
        return [context_tickets(row[:k]) for row in self.hits] if k > 0 else None


def tickets_for(
    retriever: Any, questions: Sequence[str], *, k: int, ids: Sequence[str | None] | None = None
) -> Tickets:
    """The tickets each question's prompt gets, the top hit of each, for evaluation.

    A ticket that duplicates the question being evaluated is left out, as in training: neither
    the model nor the top-ticket baseline may read the answer off the item itself. ``ids``: each
    question's own id, when it came from a conversation that is also an imported ticket (a team
    that trains on its ticket export): that ticket is left out too."""
    rows = retriever.search_many(list(questions), k=k + 4)
    hits = []
    for n, (question, row) in enumerate(zip(questions, rows, strict=True)):
        own_id = (ids[n] if ids is not None else None) or "eval"
        item = Conversation(own_id, [{"role": "user", "content": question}], "eval")
        hits.append([h for h in row if not is_own(h, item)][:k])
    return Tickets(hits)
