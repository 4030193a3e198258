"""How a customer's message reads: a sentiment label and a frustration score in [0, 1].

The scorer is the project's own fine-tuned classifier (``training.sentiment``); the bot, the CLI
and the analytics see it only through ``MoodScorer``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from supportbot.core.enums import Sentiment


@dataclass(frozen=True)
class Mood:
    label: Sentiment
    frustration: float  # 0: calm … 1: furious

    def as_json(self) -> dict[str, object]:
        return {"label": self.label.value, "frustration": round(self.frustration, 4)}


class MoodScorer(Protocol):
    def score(self, texts: Sequence[str]) -> list[Mood]: ...
