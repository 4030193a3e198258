"""Retrieval for a question asked in a thread: "and how long does that take?" is about the first turn.

A follow-up rarely names its subject: embedded alone it finds whichever past ticket talks about
durations. So a question with earlier customer turns is searched twice in one batch — alone, and
with the customer's previous turns before it (the history embedded with it) — and the search
whose closest ticket scores higher wins. A follow-up scores higher with its thread (the thread
names the subject); a new, self-contained question scores higher alone (the thread only dilutes
it), so a change of subject is not dragged back to the first one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# How many of the customer's previous turns go into the thread's query: the last one or two
# carry the subject; older ones drift.
THREAD_TURNS = 2


def thread_query(question: str, earlier: Sequence[str], *, turns: int = THREAD_TURNS) -> str | None:
    """The question with the customer's previous turns before it; None when it has none."""
    before = [t.strip() for t in earlier if t and t.strip()][-turns:]
    return "\n".join([*before, question]) if before else None


def search_in_thread(
    retriever: Any, question: str, *, earlier: Sequence[str], k: int, categories: Sequence[str] = ()
) -> list[Any]:
    """The tickets for ``question`` asked after the customer's ``earlier`` turns (oldest first):
    the better of the search alone and the search with the thread (see the module doc)."""
    query = thread_query(question, earlier)
    kwargs: dict[str, Any] = {"categories": categories} if categories else {}
    if query is None:
        return list(retriever.search(question, k=k, **kwargs))
    alone, with_thread = retriever.search_many([question, query], k=k, **kwargs)
    return pick(alone, with_thread)


def pick(alone: list[Any], with_thread: list[Any]) -> list[Any]:
    """The hits whose best ticket scores higher (alone on a tie)."""
    if not with_thread:
        return list(alone)
    if not alone or with_thread[0].score > alone[0].score:
        return list(with_thread)
    return list(alone)
