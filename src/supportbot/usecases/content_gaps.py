"""Content gaps: what customers keep asking that the tickets do not answer.

The questions of the period whose bot reply handed over or got a 👎 are embedded with the
project's embedder (L2-normalised, so inner product is cosine) and grouped by scikit-learn's
agglomerative clustering: average linkage over cosine distances, merged while the mean distance
between two groups stays under ``distance_threshold`` (0.5, i.e. a mean cosine similarity of at
least 0.5; on all-MiniLM-L6-v2 paraphrases of one question score 0.6–0.9, different questions of
one shop mostly under 0.4). Each gap of at least ``min_size`` questions is reported with:

- its most central question (the highest mean similarity to the others), which becomes the new
  ticket's question, and up to three examples (the most central first);
- a resolution: the best agent reply in the gap's conversations — from the conversation with the
  highest CSAT, then the longest reply (a reply of a rated conversation beats any unrated one).

Gaps come largest first. The text is redacted already (it is read from the database).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core.store.content_gaps import AgentAnswer, GapQuestion, agent_answers, gap_questions
from supportbot.usecases.analytics import DEFAULT_DAYS, period_start

if TYPE_CHECKING:
    import numpy as np

    from supportbot.core.settings import Settings
    from supportbot.retrieval.embedder import Embedder

DISTANCE_THRESHOLD = 0.5
MIN_SIZE = 2
EXAMPLES = 3
# The newest questions considered: clustering is quadratic in their number (2,000 take about a
# second to cluster and 5–10 s to embed on two cores).
MAX_QUESTIONS = 2000


@dataclass(frozen=True)
class Gap:
    size: int
    question: str  # the most central question
    message_id: int  # its message
    examples: list[str]  # up to three distinct questions, the most central first
    resolution: str | None  # the best agent reply, if an agent answered any of them
    resolution_message_id: int | None
    handed_over: int  # questions whose reply handed over (the others got a 👎)
    conversations: list[int]
    topic: str | None  # the most common topic the questions were given, if any


@dataclass(frozen=True)
class ContentGaps:
    gaps: list[Gap]
    questions: int  # questions considered
    singles: int  # questions that belong to no gap of ``min_size``
    days: int


def embedder_from(settings: Settings) -> Callable[[], Embedder]:
    """Loads the configured embedder when first called (torch stays unimported until then)."""

    def load() -> Embedder:
        from supportbot.retrieval.embedder import embedder_device, load_embedder

        return load_embedder(settings.embedder, device=embedder_device(settings.device))

    return load


def cluster_labels(vectors: np.ndarray, *, distance_threshold: float = DISTANCE_THRESHOLD) -> list[int]:
    """A cluster label for each (L2-normalised) vector; fewer than two vectors: one label each."""
    if len(vectors) < 2:
        return list(range(len(vectors)))
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance_threshold
    )
    return [int(label) for label in model.fit_predict(vectors)]


def _central_order(vectors: np.ndarray) -> list[int]:
    """Member positions, the highest mean cosine similarity to the others first (ties: first seen)."""
    sims = vectors @ vectors.T
    n = len(vectors)
    mean = (sims.sum(axis=1) - sims.diagonal()) / max(1, n - 1)
    return sorted(range(n), key=lambda i: (-float(mean[i]), i))


def best_answer(answers: Sequence[AgentAnswer]) -> AgentAnswer | None:
    """The reply of the best-rated conversation, then the longest; None without any."""
    useful = [a for a in answers if a.text.strip()]
    if not useful:
        return None
    return max(
        useful, key=lambda a: (a.csat if a.csat is not None else 0, len(a.text.strip()), -a.message_id)
    )


def _gap(members: list[GapQuestion], vectors: np.ndarray, answers: list[AgentAnswer]) -> Gap:
    order = [members[i] for i in _central_order(vectors)]
    examples: list[str] = []
    for q in order:
        if q.text not in examples and len(examples) < EXAMPLES:
            examples.append(q.text)
    conversations = sorted({q.conversation_id for q in members})
    best = best_answer([a for a in answers if a.conversation_id in set(conversations)])
    topics = Counter(q.topic for q in members if q.topic)
    return Gap(
        size=len(members),
        question=order[0].text,
        message_id=order[0].message_id,
        examples=examples,
        resolution=best.text if best else None,
        resolution_message_id=best.message_id if best else None,
        handed_over=sum(q.handed_over for q in members),
        conversations=conversations,
        topic=topics.most_common(1)[0][0] if topics else None,
    )


def find_content_gaps(
    sessions: sessionmaker[Session],
    *,
    load_embedder: Callable[[], Embedder],
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
    distance_threshold: float = DISTANCE_THRESHOLD,
    min_size: int = MIN_SIZE,
    limit: int = MAX_QUESTIONS,
) -> ContentGaps:
    """The period's unserved questions, grouped (see the module's docstring)."""
    import numpy as np

    now = (now or datetime.now(UTC)).astimezone(UTC)
    with sessions() as s:
        questions = gap_questions(s, since=period_start(now, days), until=now, limit=limit)
        questions.reverse()  # oldest first: stable labels and central-question ties
        answers = agent_answers(s, conversation_ids=sorted({q.conversation_id for q in questions}))
    if not questions:
        return ContentGaps([], 0, 0, days)
    vectors = np.asarray(load_embedder().encode([q.text for q in questions]), dtype=np.float32)
    labels = cluster_labels(vectors, distance_threshold=distance_threshold)
    groups: dict[int, list[int]] = {}
    for position, label in enumerate(labels):
        groups.setdefault(label, []).append(position)
    gaps = [
        _gap([questions[i] for i in positions], vectors[positions], answers)
        for positions in groups.values()
        if len(positions) >= min_size
    ]
    gaps.sort(key=lambda g: (-g.size, -g.message_id))
    singles = len(questions) - sum(g.size for g in gaps)
    return ContentGaps(gaps, len(questions), singles, days)


def gaps_json(found: ContentGaps, *, link: Callable[[Gap], str] | None = None) -> dict[str, Any]:
    return {
        "days": found.days,
        "questions": found.questions,
        "singles": found.singles,
        "gaps": [
            {
                "size": g.size,
                "question": g.question,
                "message_id": g.message_id,
                "examples": g.examples,
                "resolution": g.resolution,
                "resolution_message_id": g.resolution_message_id,
                "handed_over": g.handed_over,
                "conversations": g.conversations,
                "topic": g.topic,
                **({"new_ticket_url": link(g)} if link else {}),
            }
            for g in found.gaps
        ],
    }


@dataclass(frozen=True)
class TicketDraft:
    question: str
    resolution: str
    message_id: int | None = None


def draft_for_message(sessions: sessionmaker[Session], *, message_id: int) -> TicketDraft:
    """A new ticket's draft from one customer question: its text, and the best agent reply of
    its conversation (empty when no agent answered)."""
    from supportbot.core import store
    from supportbot.core.enums import Role
    from supportbot.core.errors import NotFound

    with sessions() as s:
        message = store.find_message(s, message_id=message_id)
        if message is None or message.role != Role.user:
            raise NotFound(f"no customer question {message_id}")
        best = best_answer(agent_answers(s, conversation_ids=[message.conversation_id]))
        return TicketDraft(message.text, best.text if best else "", message_id)
