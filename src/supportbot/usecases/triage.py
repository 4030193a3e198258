"""Before the bot answers a customer's turn: how the customer feels, and whether a person should
take over instead.

Every customer turn is scored (``core.mood``: negative / neutral / positive, frustration 0..1)
and the score stored on the turn. Then, in order:

- a question naming a topic that always goes to a person (``SUPPORTBOT_HANDOVER_KEYWORDS``;
  ticket categories, ``SUPPORTBOT_HANDOVER_TOPICS``, are matched after retrieval, in
  ``usecases.answer``) is handed over without an answer;
- a customer asking for a person in words a second time is handed over;
- a customer at least ``SUPPORTBOT_FRUSTRATION_HANDOVER_AT`` frustrated is handed over without
  being asked;
- a customer at least ``SUPPORTBOT_FRUSTRATION_OFFER_AT`` frustrated, or asking for a person for
  the first time, gets the answer with a person offered at once;
- everyone else gets the answer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from supportbot.core import store
from supportbot.core.db import Sessions, transaction
from supportbot.core.enums import HandoverReason
from supportbot.core.mood import Mood, MoodScorer
from supportbot.core.settings import Settings

log = logging.getLogger(__name__)

_PERSON = r"(?:a |an |some |one of your |your )?(?:real |actual |live )?(?:human|person|people|agent|operator|representative|rep|someone|somebody|staff|manager|supervisor)"
ASKS_FOR_HUMAN = re.compile(
    rf"\b(?:(?:talk|speak|chat|write)\s+(?:to|with)\s+{_PERSON}"
    rf"|(?:get|give|put)\s+me\s+(?:through\s+to\s+)?{_PERSON}"
    rf"|(?:need|want)\s+(?:to\s+(?:talk|speak)\s+(?:to|with)\s+)?{_PERSON}"
    r"|(?:human|agent|person|operator)\s*(?:please|pls|now)"
    r"|escalate\s+(?:this|it|my)"
    r"|not\s+(?:a|another|your)\s+(?:bot|robot|machine))\b",
    re.IGNORECASE,
)


def asks_for_human(text: str) -> bool:
    """The customer asks, in words, for a person instead of the bot."""
    return bool(ASKS_FOR_HUMAN.search(text))


class Action(StrEnum):
    answer = "answer"
    offer = "offer"  # answer, and offer a person at once
    hand_over = "hand_over"  # no answer: a person takes over


@dataclass(frozen=True)
class Assessment:
    action: Action
    mood: Mood | None
    reason: HandoverReason | None = None  # with hand_over
    why: str | None = None  # with hand_over: the agent's summary line

    @property
    def hands_over(self) -> bool:
        return self.action is Action.hand_over


def keyword_topic(text: str, keywords: list[str]) -> str | None:
    """The first configured keyword or phrase the text contains (whole words, any case)."""
    for keyword in keywords:
        if re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", text, re.IGNORECASE):
            return keyword
    return None


class Triage:
    def __init__(self, *, settings: Settings, sessions: Sessions, scorer: MoodScorer | None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.scorer = scorer

    def score(self, text: str) -> Mood | None:
        """The turn's mood; None without a classifier, or when it fails (the answer must not)."""
        if self.scorer is None or not text.strip():
            return None
        try:
            return self.scorer.score([text])[0]
        except Exception:
            log.exception("scoring a message's sentiment failed")
            return None

    def assess(self, *, message_id: int, conversation_id: int, text: str) -> Assessment:
        """Score and store the stored customer turn ``message_id``, then decide (module doc)."""
        mood = self.score(text)
        asked = asks_for_human(text)
        with transaction(self.sessions) as s:
            store.note_mood(
                s,
                message_id=message_id,
                sentiment=mood.label if mood else None,
                frustration=mood.frustration if mood else None,
                asked_for_human=asked,
            )
            asks = store.human_asks(s, conversation_id=conversation_id) if asked else 0
        return self.decide(text=text, mood=mood, asked=asked, asks=asks)

    def decide(self, *, text: str, mood: Mood | None, asked: bool, asks: int) -> Assessment:
        settings = self.settings
        keyword = keyword_topic(text, settings.handover_keywords)
        if keyword is not None:
            return Assessment(
                Action.hand_over,
                mood,
                HandoverReason.topic,
                f"mentions “{keyword}”, which always goes to a person",
            )
        if asks >= 2:
            return Assessment(Action.hand_over, mood, HandoverReason.repeated_ask, "asked for a person twice")
        frustration = mood.frustration if mood else 0.0
        if frustration >= settings.frustration_handover_at:
            return Assessment(
                Action.hand_over,
                mood,
                HandoverReason.frustration,
                f"the customer is frustrated ({frustration:.2f} ≥ {settings.frustration_handover_at:.2f})",
            )
        if asked or frustration >= settings.frustration_offer_at:
            return Assessment(Action.offer, mood)
        return Assessment(Action.answer, mood)
