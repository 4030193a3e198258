"""The held-out questions an evaluation asks, each with the agents' reference answer.

``--eval-questions FILE`` when it is given; for a team's own logs without it, the first question
and answer of each validation conversation; else the bundled sample's held-out questions (with
the keyphrases of their intents, which say whether an answer names the right procedure).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from training.config import FinetuneConfig
from training.data import SAMPLE_DIR, Conversation, spread


@dataclass
class EvalItem:
    question: str
    reference: str
    intent: str | None = None
    era: str | None = None
    keyphrases: list[str] = field(default_factory=list)


def load_eval_items(
    path: Path, *, intents_path: Path | None = None, limit: int | None = None
) -> list[EvalItem]:
    keyphrases: dict[str, list[str]] = {}
    if intents_path and intents_path.exists():
        keyphrases = {i["intent"]: i.get("keyphrases", []) for i in json.loads(intents_path.read_text())}
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        items.append(
            EvalItem(
                question=row["question"],
                reference=row.get("reference", ""),
                intent=row.get("intent"),
                era=row.get("era"),
                keyphrases=keyphrases.get(row.get("intent") or "", []),
            )
        )
    # An even spread over the file, so every intent stays represented.
    return items if limit is None else spread(items, limit)


def eval_questions_path(config: FinetuneConfig) -> Path | None:
    if config.eval_questions:
        return Path(config.eval_questions)
    default = SAMPLE_DIR / "eval_questions.jsonl"
    return default if default.exists() else None


def eval_items_for(
    config: FinetuneConfig, held_out: Sequence[Conversation] | None = None
) -> tuple[list[EvalItem], str | None]:
    """The held-out questions and the name of their set (promotion compares only within one):
    --eval-questions; for a team's own logs without it, the first question and answer of each
    validation conversation; else the bundled sample's questions."""
    if held_out is not None and config.data and not config.eval_questions:
        items = spread(
            [
                EvalItem(question=c.first_question, reference=c.first_answer)
                for c in held_out
                if c.first_question and c.first_answer
            ],
            config.eval_max_questions,
        )
        digest = hashlib.sha256(
            "\n".join(f"{i.question}\t{i.reference}" for i in items).encode()
        ).hexdigest()[:16]
        return items, f"validation-{digest}"
    path = eval_questions_path(config)
    if path is None:
        return [], None
    intents = path.parent / "intents.json"
    items = load_eval_items(path, intents_path=intents, limit=config.eval_max_questions)
    digest = hashlib.sha256(path.read_bytes() + str(config.eval_max_questions).encode()).hexdigest()[:16]
    return items, digest
