"""Questions answered without a terminal or Slack: one new conversation per question.

`supportbot ask "question"` and `supportbot ask --file questions.jsonl --json` go through the
same pipeline as Slack (stored, retrieved, answered, guarded, gated), each question in a
conversation of its own, many at once so the model server batches them.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any

from supportbot.core.errors import InvalidInput
from supportbot.usecases.messages import Incoming
from supportbot.usecases.respond import Handled, Pipeline, Where

CUSTOMER, AGENT = "ask", "ask-agent"  # the two people of an `ask` thread


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    # Earlier turns of the same thread, (who, text) in order, who being CUSTOMER or AGENT (a person
    # of the support team writing in the thread, as in Slack): the outcome reported is the one of
    # ``text``, a follow-up that may need them.
    earlier: tuple[tuple[str, str], ...] = ()


def _turn(turn: Any) -> tuple[str, str] | None:
    """A customer's turn (a string) or an agent's (``{"agent": "..."}``); None if neither."""
    if isinstance(turn, str) and turn.strip():
        return CUSTOMER, turn.strip()
    if (
        isinstance(turn, dict)
        and set(turn) == {"agent"}
        and isinstance(turn["agent"], str)
        and turn["agent"].strip()
    ):
        return AGENT, turn["agent"].strip()
    return None


def read_questions(stream: IO[str], *, name: str = "questions") -> Iterator[Question]:
    """JSONL lines ``{"id": ..., "question": ...}`` (``query`` accepted too), or a thread
    ``{"id": ..., "turns": ["first question", {"agent": "an agent's reply"}, "follow-up", ...]}``
    whose last turn is the one reported (strings are the customer's turns); blank lines skipped.
    A line that is not such an object stops the run with its line number: answers must line up
    with questions.
    """
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{name}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise InvalidInput(f"{name}:{number}: not a JSON object")
        turns = row.get("turns")
        if turns is not None:
            read = [_turn(t) for t in turns] if isinstance(turns, list) else []
            if not read or None in read or read[-1][0] != CUSTOMER:  # type: ignore[index]
                raise InvalidInput(
                    f'{name}:{number}: "turns" must be a non-empty list of strings (the customer) and '
                    '{"agent": "..."} objects, ending with the customer'
                )
            *earlier, (_, last) = [r for r in read if r is not None]
            yield Question(str(row.get("id", number)), last, tuple(earlier))
            continue
        text = row.get("question", row.get("query"))
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput(f'{name}:{number}: needs a "question" (or "query") string, or "turns"')
        yield Question(str(row.get("id", number)), text.strip())


def reply_json(question: Question, outcome: Handled) -> dict[str, Any]:
    """One answer's line; ``outcome`` "quiet" (no answer) where the bot would say nothing in Slack."""
    reply = outcome.reply
    if reply is None:
        return {"id": question.id, "answer": None, "outcome": "quiet", "sources": [], "latency_ms": 0}
    row: dict[str, Any] = {
        "id": question.id,
        "answer": reply.text,
        "outcome": reply.outcome,
        "sources": [{"id": s.external_id, "score": round(s.score, 4)} for s in reply.sources],
        "latency_ms": reply.latency_ms,
    }
    if reply.unsent_draft is not None:  # what the model drafted, and why it was not sent
        row["unsent_draft"] = reply.unsent_draft
        row["reason"] = reply.reason
    return row


def ask_one(pipeline: Pipeline, question: Question, *, run: str) -> Handled:
    """One question as a conversation of its own (source "ask": told apart in the history), a
    direct message as Slack would take it; its earlier turns first, in the same thread."""
    outcome: Handled | None = None
    for n, (who, text) in enumerate((*question.earlier, (CUSTOMER, question.text))):
        incoming = Incoming(
            text=text,
            source="ask",
            channel="ask",
            thread_ts=f"{run}:{question.id}",
            user=who,
            ts=f"{time.time():.6f}{n}",
        )
        outcome = pipeline.run(incoming, where=Where.im)
    assert outcome is not None
    return outcome


def ask_many(
    pipeline: Pipeline, questions: Iterable[Question], *, concurrency: int = 32
) -> Iterator[tuple[Question, Handled]]:
    """Outcomes in the order of the questions, ``concurrency`` in flight (the server batches them)."""
    run = uuid.uuid4().hex[:12]
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="ask") as pool:
        pending = [(q, pool.submit(ask_one, pipeline, q, run=run)) for q in questions]
        for question, future in pending:
            yield question, future.result()
