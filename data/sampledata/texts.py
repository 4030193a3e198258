"""The hand-written text of the sample: the intents (``data/text/intents/*.toml``) and the phrase
tables shared by all of them (``data/text/phrases.toml``); ``data/text/README.md`` says what each
field is for.

Read once, at import. The order of the intents and of the entries in every list is part of the
output: the generator draws from them by position in one seeded random walk.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

TEXT_DIR = Path(__file__).resolve().parent.parent / "text"
# The intent files in generation order: the base-era categories, then the recent era.
INTENT_FILES = (
    "account",
    "billing",
    "membership",
    "orders",
    "shipping",
    "returns_refunds",
    "promotions_gift_cards",
    "pickup_warranty",
    "privacy",
    "product_faults",
    "recent",
)
INTENT_FIELDS = (
    "intent",
    "category",
    "era",
    "title",
    "keyphrases",
    "resolution",
    "user",
    "answers",
    "eta",
    "escalate",
    "subjects",
    "ticket_q",
    "ticket_details",
    "ticket_res",
    "queries",
    "eval",
)
OPTIONAL_FIELDS = ("order", "amount")
# One intent as read from its file: the fields above, strings and lists of strings (and booleans).
Intent = dict[str, Any]


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def load_intents(text_dir: Path = TEXT_DIR) -> list[Intent]:
    """Every intent, in generation order. A misspelt or missing field fails here, by name,
    rather than as a KeyError deep in the generator (or, for ``order``/``amount``, silently)."""
    folder = text_dir / "intents"
    unlisted = sorted(p.stem for p in folder.glob("*.toml") if p.stem not in INTENT_FILES)
    if unlisted:
        raise ValueError(f"{folder}: {unlisted} not in INTENT_FILES (which fixes the generation order)")
    intents = []
    for name in INTENT_FILES:
        for intent in _read(folder / f"{name}.toml")["intents"]:
            missing = [k for k in INTENT_FIELDS if k not in intent]
            unknown = sorted(set(intent) - set(INTENT_FIELDS) - set(OPTIONAL_FIELDS))
            if missing or unknown:
                raise ValueError(
                    f"{name}.toml, intent {intent.get('intent')!r}: missing {missing}, unknown {unknown}"
                )
            intents.append(intent)
    return intents


def load_phrases(text_dir: Path = TEXT_DIR) -> dict[str, Any]:
    phrases = _read(text_dir / "phrases.toml")
    phrases["keep_capitalised"] = frozenset(phrases["keep_capitalised"])
    return phrases


INTENTS = load_intents()
PHRASES = load_phrases()
