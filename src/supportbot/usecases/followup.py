"""Retrieval for a question asked in a thread: "and how long does that take?" is about the first turn.

A follow-up rarely names its subject: embedded alone it finds whichever past ticket talks about
durations. So a question with earlier customer turns is searched twice in one batch — alone, and
with the customer's previous turns before it (the history embedded with it). A follow-up finds
far less alone than with its thread (the thread names the subject); a new, self-contained
question finds nearly as much alone, and the thread, which still names the first subject, can
edge past it. So the thread's search wins only when the question alone reaches less than
``SELF_CONTAINED`` of its closest ticket's score, and a change of subject is not dragged back to
the first one.

Scores alone cannot tell every follow-up: "What about if I'm ordering from abroad?" (after a
question on tracking) or "Do I need a receipt for it?" (after one on cancelling a membership)
find a ticket of their own (customs, invoices) nearly as close as their thread's. What gives them away is how they are written: a short question that opens with a
connective ("and", "what about", "ok so") or points back ("that", "it", "the same", "instead"),
or one of a few words ("How long?"). Such a question (``refers_back``) takes the thread's hits
whenever the thread finds more than it does alone; a question that names its own subject keeps
the rule above. Hand-written: English cues, where a model rewriting the question would need a
second model call per turn; without the cues (another language) the score rule alone decides.
Measured with bench/followup_routing.py, first hit's request, the score rule → with the cues: the
second shop's follow-ups 0.719 → 0.750, 60 follow-ups written apart from the cues 0.658 → 0.733
(0.908 → 0.933 on the sample), changes of subject 0.800 → 0.800 (0.980 → 0.970 on the sample).
"""

from __future__ import annotations

import re
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


# A question of at most this many words can lean on the thread (longer ones name their subject);
# one of at most ``FEW_WORDS`` always does ("How long?", "Any fee for this?").
SHORT, FEW_WORDS = 10, 4
_GREETING_RE = re.compile(r"\b(?:(?:hi|hello|hey)\s+there|to\s+whom\s+it\s+may\s+concern)\b[\s,.!]*", re.I)
_LEAD = r"^(?:(?:ok(?:ay)?|thanks|thank\s+you|great|cool|sorry|right|oh|ah)\b[\s,.!]*)*"
_CONNECTIVE_RE = re.compile(_LEAD + r"(?:and|but|so|or|what\s+about|how\s+about|what\s+if)\b", re.I)
_POINTS_BACK_RE = re.compile(r"\b(?:that|it|this|those|these|them|there|same|instead|one)\b", re.I)
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def refers_back(question: str) -> bool:
    """Whether a question reads as a follow-up of the turn before it (see the module doc): short,
    and opening with a connective or pointing back with a pronoun; or only a few words."""
    text = _GREETING_RE.sub(" ", question).strip()
    words = len(_WORD_RE.findall(text))
    if words <= FEW_WORDS:
        return words > 0
    return words <= SHORT and bool(_CONNECTIVE_RE.match(text) or _POINTS_BACK_RE.search(text))


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
    return pick(alone, with_thread, question=question)


def pick(
    alone: list[Any], with_thread: list[Any], *, question: str | None = None,
    self_contained: float = SELF_CONTAINED,
) -> list[Any]:  # fmt: skip
    """The thread's hits when the question alone finds less than ``self_contained`` of what it
    finds with the thread, or less than the thread at all for a ``question`` that refers back;
    else the question's own. (``question`` None: the score rule alone.)"""
    if not with_thread:
        return list(alone)
    if not alone:
        return list(with_thread)
    share = self_contained if question is None or not refers_back(question) else 1.0
    return list(with_thread) if alone[0].score < share * with_thread[0].score else list(alone)
