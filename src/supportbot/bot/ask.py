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
from supportbot.usecases.answer import Responder
from supportbot.usecases.messages import Incoming, Reply


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    # Earlier customer turns of the same thread, asked (and answered) first, in order: the
    # answer reported is the one to ``text``, a follow-up that may need them.
    earlier: tuple[str, ...] = ()


def read_questions(stream: IO[str], *, name: str = "questions") -> Iterator[Question]:
    """JSONL lines ``{"id": ..., "question": ...}`` (``query`` accepted too), or a thread of
    customer turns ``{"id": ..., "turns": ["first question", "follow-up", ...]}`` whose last turn
    is the one answered for the record; blank lines skipped.

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
            if (
                not isinstance(turns, list)
                or not turns
                or not all(isinstance(t, str) and t.strip() for t in turns)
            ):
                raise InvalidInput(f'{name}:{number}: "turns" must be a non-empty list of strings')
            *earlier, last = [t.strip() for t in turns]
            yield Question(str(row.get("id", number)), last, tuple(earlier))
            continue
        text = row.get("question", row.get("query"))
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput(f'{name}:{number}: needs a "question" (or "query") string, or "turns"')
        yield Question(str(row.get("id", number)), text.strip())


def reply_json(question: Question, reply: Reply) -> dict[str, Any]:
    return {
        "id": question.id,
        "answer": reply.text,
        "outcome": reply.outcome,
        "sources": [{"id": s.external_id, "score": round(s.score, 4)} for s in reply.sources],
        "latency_ms": reply.latency_ms,
    }


def ask_one(responder: Responder, question: Question, *, run: str) -> Reply:
    """One question as a conversation of its own (source "ask": told apart in the history); its
    earlier turns first, each answered in the same thread as a customer would see it."""
    reply: Reply | None = None
    for n, text in enumerate((*question.earlier, question.text)):
        incoming = Incoming(
            text=text,
            source="ask",
            channel="ask",
            thread_ts=f"{run}:{question.id}",
            user="ask",
            ts=f"{time.time():.6f}{n}",
        )
        reply = responder.handle(incoming)
        assert reply is not None  # a fresh turn is never a repeat
    assert reply is not None
    return reply


def ask_many(
    responder: Responder, questions: Iterable[Question], *, concurrency: int = 32
) -> Iterator[tuple[Question, Reply]]:
    """Answers in the order of the questions, ``concurrency`` in flight (the server batches them)."""
    run = uuid.uuid4().hex[:12]
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="ask") as pool:
        pending = [(q, pool.submit(ask_one, responder, q, run=run)) for q in questions]
        for question, future in pending:
            yield question, future.result()
