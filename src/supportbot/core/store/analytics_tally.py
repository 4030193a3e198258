"""The additive value the analytics count into: a ``Tally`` of conversations, hand-overs, CSAT,
mood and votes, with the rates worked out from it; the vocabularies of its keyed counts.

No SQL here: ``analytics`` fills tallies from grouped rows, ``usecases.analytics`` adds them up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from supportbot.core.enums import Sentiment

SENTIMENTS = [s.value for s in Sentiment]
# A hand-over stored before conversations recorded why (or by a path that does not say).
UNRECORDED = "unrecorded"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Tally:
    """Counts that add up across days and versions; the rates are worked out from them.

    Conversations count on the UTC day they started, under the model version of their last bot
    reply (that names a version). Customer turns (sentiment) count on their own day, votes on the
    day and version of the reply they rate.
    """

    conversations: int = 0
    bot_replied: int = 0  # the bot replied at least once
    # A human was involved: handed over, or an agent posted, claimed it, or the bot went quiet.
    reached_human: int = 0
    # Handed over: a hand-over reason or state, status escalated, or a reply with outcome handover.
    handed_over: int = 0
    deflected: int = 0  # the bot replied and no human was ever involved
    pending: int = 0  # the bot replied, but the conversation is younger than the window
    settled: int = 0  # the bot replied and the window has passed: resolution's denominator
    resolved: int = 0  # settled, and resolved by the bot (see usecases.analytics)
    csat_count: int = 0
    csat_sum: int = 0
    csat_good: int = 0  # rated 4 or 5
    reasons: dict[str, int] = field(default_factory=dict)  # hand-overs by reason
    sentiment: dict[str, int] = field(default_factory=dict)  # scored customer turns by label
    frustration_sum: float = 0.0
    frustration_count: int = 0
    up: int = 0
    down: int = 0

    def add(self, other: Tally) -> Tally:
        """Add ``other``'s counts into this one (returns self)."""
        for name in _SCALARS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.reasons, other.reasons), (self.sentiment, other.sentiment)):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n
        return self

    @property
    def resolution_rate(self) -> float | None:
        return _share(self.resolved, self.settled)

    @property
    def deflection_rate(self) -> float | None:
        return _share(self.deflected, self.conversations)

    @property
    def handover_rate(self) -> float | None:
        return _share(self.handed_over, self.conversations)

    @property
    def csat_mean(self) -> float | None:
        return self.csat_sum / self.csat_count if self.csat_count else None

    @property
    def csat_good_share(self) -> float | None:
        return _share(self.csat_good, self.csat_count)

    @property
    def scored_turns(self) -> int:
        return sum(self.sentiment.values())

    def sentiment_share(self, label: str) -> float | None:
        return _share(self.sentiment.get(label, 0), self.scored_turns)

    @property
    def mean_frustration(self) -> float | None:
        return self.frustration_sum / self.frustration_count if self.frustration_count else None

    @property
    def rated(self) -> int:
        return self.up + self.down

    @property
    def up_rate(self) -> float | None:
        return _share(self.up, self.rated)


_SCALARS = [
    "conversations",
    "bot_replied",
    "reached_human",
    "handed_over",
    "deflected",
    "pending",
    "settled",
    "resolved",
    "csat_count",
    "csat_sum",
    "csat_good",
    "frustration_sum",
    "frustration_count",
    "up",
    "down",
]


def total(tallies: Iterable[Tally]) -> Tally:
    out = Tally()
    for t in tallies:
        out.add(t)
    return out
