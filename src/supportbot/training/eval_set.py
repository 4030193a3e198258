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

from supportbot.core.identifiers import Masker
from supportbot.training.config import FinetuneConfig
from supportbot.training.data import SAMPLE_DIR, Conversation, spread


@dataclass
class EvalItem:
    question: str
    reference: str
    intent: str | None = None
    era: str | None = None
    keyphrases: list[str] = field(default_factory=list)
    id: str | None = None  # the conversation or ticket it came from (its own ticket is left out)


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
                id=str(row["id"]) if row.get("id") is not None else None,
            )
        )
    # An even spread over the file, so every intent stays represented.
    return items if limit is None else spread(items, limit)


def eval_questions_path(config: FinetuneConfig) -> Path | None:
    if config.eval_questions:
        return Path(config.eval_questions)
    default = SAMPLE_DIR / "eval_questions.jsonl"
    return default if default.exists() else None


def items_from(
    conversations: Sequence[Conversation], *, keyphrases: dict[str, list[str]] | None = None
) -> list[EvalItem]:
    """The first question and answer of each conversation, as an evaluation item (with its
    intent's keyphrases when the conversation names an intent that ``keyphrases`` knows)."""
    keyphrases = keyphrases or {}
    out = []
    for c in conversations:
        if not (c.first_question and c.first_answer):
            continue
        intent = c.meta.get("intent")
        # The amounts as they were written (data.clean masked them): the customer's are masked
        # again when the question is asked, and a price the reply states is the one to say.
        written = Masker(values=dict(c.meta.get("amounts") or {}))
        out.append(
            EvalItem(
                question=written.unmask(c.first_question)[0],
                reference=written.unmask(c.first_answer)[0],
                intent=intent,
                era=c.meta.get("era"),
                keyphrases=list(keyphrases.get(intent or "", [])),
                id=c.id,
            )
        )
    return out


def _digest(items: Sequence[EvalItem]) -> str:
    return hashlib.sha256("\n".join(f"{i.question}\t{i.reference}" for i in items).encode()).hexdigest()[:16]


@dataclass
class EvalSets:
    """The questions a fine-tune is judged on (``report``, named ``name``: promotion compares only
    within one) and, apart from them, the ones its checks are calibrated on (``calibration``)."""

    report: list[EvalItem]
    name: str | None
    calibration: list[EvalItem]
    calibration_split: str


def eval_sets(config: FinetuneConfig, held_out: Sequence[Conversation] | None = None) -> EvalSets:
    """--eval-questions (or the sample's held-out questions) to report on, the validation
    conversations to calibrate on; for a team's own logs without --eval-questions, the validation
    conversations halved by a hash of their id: one half calibrates, the other reports. No
    conversation is ever in both."""
    from supportbot.training.calibration import calibration_split

    conversations = list(held_out or [])
    path = None if (config.data and not config.eval_questions) else eval_questions_path(config)
    keyphrases: dict[str, list[str]] = {}
    intents = (path.parent if path else SAMPLE_DIR) / "intents.json"
    if intents.exists():
        keyphrases = {i["intent"]: i.get("keyphrases", []) for i in json.loads(intents.read_text())}
    if path is None:
        cal_ids, _ = calibration_split([c.id for c in conversations])
        report = spread(
            items_from([c for c in conversations if c.id not in cal_ids]), config.eval_max_questions
        )
        calibration = items_from([c for c in conversations if c.id in cal_ids])
        return EvalSets(
            report, f"validation-{_digest(report)}" if report else None,
            spread(calibration, config.calibration_questions),
            f"half of the validation conversations ({len(calibration)}; the other half reports)",
        )  # fmt: skip
    report = load_eval_items(path, intents_path=intents, limit=config.eval_max_questions)
    digest = hashlib.sha256(path.read_bytes() + str(config.eval_max_questions).encode()).hexdigest()[:16]
    calibration = items_from(conversations, keyphrases=keyphrases)
    return EvalSets(
        report, digest, spread(calibration, config.calibration_questions),
        f"the validation conversations ({len(calibration)}), apart from the {path.name} questions reported on",
    )  # fmt: skip


def eval_items_for(
    config: FinetuneConfig, held_out: Sequence[Conversation] | None = None
) -> tuple[list[EvalItem], str | None]:
    """The held-out questions a report is measured on and the name of their set."""
    sets = eval_sets(config, held_out)
    return sets.report, sets.name
