"""Retrieval for a question asked in a thread: "and how long does that take?" is about the first turn.

A follow-up rarely names its subject: embedded alone it finds whichever past ticket talks about
durations. So a question with earlier customer turns is searched twice in one batch — alone, and
with the customer's previous turns before it (the history embedded with it). A follow-up finds
far less alone than with its thread (the thread names the subject); a new, self-contained
question finds nearly as much alone, and the thread, which still names the first subject, can
edge past it. So the thread's search wins only when the question alone reaches less than
``SELF_CONTAINED`` of its closest ticket's score, and a change of subject is not dragged back to
the first one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# How many of the customer's previous turns go into the thread's query: the last one or two
# carry the subject; older ones drift.
THREAD_TURNS = 2

# A question whose closest ticket alone scores at least this share of the closest with its thread
# is searched on its own words. Measured with bench/own_data.py on both sets, the same models,
# 100 held-out questions each asked after another request's first turn beside the follow-up
# threads (right request of the answer): "whichever scores higher" kept new subjects on their own
# request 0.640 (second shop) and 0.870 (sample), the thread's words outscoring by a few
# hundredths ("Can you cancel my order? I bought it by mistake": 0.769 alone, 0.773 with a
# thread about price protection); at 0.85: 0.800 and 0.980, with follow-ups 0.771 → 0.708 and
# 0.947 → 0.934 (a follow-up such as "Do I need to do that from the app or the website?" finds a
# ticket of its own nearly as close as its thread's). 0.8 and 0.9 were tried beside it on the
# first sources of 200 questions per set: 0.85 had the best mean of both kinds over both sets.
SELF_CONTAINED = 0.85


def thread_query(question: str, earlier: Sequence[str], *, turns: int = THREAD_TURNS) -> str | None:
    """The question with the customer's previous turns before it; None when it has none."""
    before = [t.strip() for t in earlier if t and t.strip()][-turns:]
    return "\n".join([*before, question]) if before else None


def search_in_thread(
    retriever: Any, question: str, *, earlier: Sequence[str], k: int, categories: Sequence[str] = ()
) -> list[Any]:
    """The tickets for ``question`` asked after the customer's ``earlier`` turns (oldest first):
    the thread's search for a follow-up, the question's own for a self-contained one (see the
    module doc)."""
    query = thread_query(question, earlier)
    kwargs: dict[str, Any] = {"categories": categories} if categories else {}
    if query is None:
        return list(retriever.search(question, k=k, **kwargs))
    alone, with_thread = retriever.search_many([question, query], k=k, **kwargs)
    return pick(alone, with_thread)


def pick(alone: list[Any], with_thread: list[Any], *, self_contained: float = SELF_CONTAINED) -> list[Any]:
    """The thread's hits when the question alone finds less than ``self_contained`` of what it
    finds with the thread; else the question's own."""
    if not with_thread:
        return list(alone)
    if not alone or alone[0].score < self_contained * with_thread[0].score:
        return list(with_thread)
    return list(alone)
